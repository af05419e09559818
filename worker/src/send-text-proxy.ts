import * as v from "valibot";
import type { GatewayConfig } from "./env";
import { GatewayError } from "./errors";
import { describeError, type LogFields, type Logger, maskRecipient } from "./logger";
import { REQUEST_ID_HEADER } from "./request-id";
import type { SendTextBody } from "./send-text-schema";
import type { ServerTiming } from "./server-timing";

export interface SendTextForward {
  config: GatewayConfig;
  log: Logger;
  requestId: string;
  /** The client's token; the function compares it with the row again. */
  token: string;
  instanceId: string;
  body: SendTextBody;
  /** The request's Server-Timing phases, which gain the upstream phase here. */
  timing: ServerTiming;
  /**
   * Fields of the request_completed line. A relayed response adds its outcome here instead of
   * writing a line of its own, so a successful send costs one log line.
   */
  completionFields: LogFields;
}

const ErrorBodySchema = v.looseObject({
  error: v.looseObject({ code: v.string(), message: v.string() }),
});
/** The send-text function's success body, which the gateway relays unchanged. */
export const SuccessBodySchema = v.looseObject({
  status: v.literal("sent"),
  messageId: v.nullable(v.string()),
  requestId: v.string(),
});
// Only these 401 codes describe the client's token. Any other 401 or 403 means that the
// function rejected the gateway itself, which the client cannot fix.
const CLIENT_AUTH_CODES: ReadonlySet<string> = new Set(["invalid_token", "instance_disconnected"]);

const UNEXPECTED_RESPONSE_MESSAGE =
  "The send-text function returned an unexpected response; try again later";

interface UpstreamResponse {
  status: number;
  bodyText: string;
  retryAfter: string | null;
}

/**
 * Forwards a validated send to the send-text Edge Function and relays its response. Only
 * responses in this gateway's JSON shapes pass through, and anything else becomes 502
 * upstream_error. A function that does not respond within SEND_TEXT_TIMEOUT_MS becomes 504
 * upstream_timeout.
 */
export async function forwardSendText(forward: SendTextForward): Promise<Response> {
  const startedAt = Date.now();
  let upstream: UpstreamResponse;
  try {
    upstream = await postToFunction(forward);
  } finally {
    forward.timing.recordSince("upstream", startedAt);
  }
  const fields: LogFields = {
    upstreamStatus: upstream.status,
    recipient: maskRecipient(forward.body.number),
    upstreamDurationMs: Date.now() - startedAt,
  };
  return relayUpstreamResponse(upstream, forward, fields);
}

async function postToFunction(forward: SendTextForward): Promise<UpstreamResponse> {
  const { config, log, body } = forward;
  const signal = AbortSignal.timeout(config.sendTextTimeoutMs);
  try {
    const response = await fetch(`${config.supabaseUrl}/functions/v1/send-text`, {
      method: "POST",
      headers: buildHeaders(forward),
      body: JSON.stringify({ number: body.number, text: body.text }),
      signal,
    });
    const bodyText = await response.text();
    return { status: response.status, bodyText, retryAfter: response.headers.get("Retry-After") };
  } catch (error) {
    const recipient = maskRecipient(body.number);
    if (signal.aborted) {
      log.error("send_text_failed", { reason: "timeout", recipient, ...describeError(error) });
      throw new GatewayError(
        "upstream_timeout",
        "The send-text function timed out; the message may or may not have been sent",
      );
    }
    log.error("send_text_failed", { reason: "network_error", recipient, ...describeError(error) });
    throw new GatewayError("upstream_error", "The send-text function could not be reached");
  }
}

function buildHeaders({ config, requestId, token, instanceId }: SendTextForward): HeadersInit {
  return {
    "Content-Type": "application/json",
    apikey: config.serviceRoleKey,
    Authorization: `Bearer ${config.serviceRoleKey}`,
    token,
    "X-Instance-ID": instanceId,
    "X-Gateway-Secret": config.gatewaySharedSecret,
    [REQUEST_ID_HEADER]: requestId,
  };
}

type RelayVerdict =
  | { relay: true; upstreamCode: string | null }
  | { relay: false; reason: string; upstreamCode: string | null };

function relayUpstreamResponse(
  upstream: UpstreamResponse,
  { log, completionFields }: SendTextForward,
  fields: LogFields,
): Response {
  const body = parseJsonOrUndefined(upstream.bodyText);
  const verdict = classifyUpstreamResponse(upstream.status, body);
  if (!verdict.relay) {
    log.error("send_text_failed", {
      reason: verdict.reason,
      upstreamCode: verdict.upstreamCode,
      ...fields,
    });
    throw new GatewayError("upstream_error", UNEXPECTED_RESPONSE_MESSAGE);
  }
  Object.assign(completionFields, fields, { upstreamCode: verdict.upstreamCode });
  // The text matched one of the gateway's JSON shapes, so it is relayed unchanged.
  const headers = new Headers({ "Content-Type": "application/json" });
  if (upstream.retryAfter !== null) {
    headers.set("Retry-After", upstream.retryAfter);
  }
  return new Response(upstream.bodyText, { status: upstream.status, headers });
}

function classifyUpstreamResponse(status: number, body: unknown): RelayVerdict {
  if (status >= 200 && status < 300) {
    return v.is(SuccessBodySchema, body)
      ? { relay: true, upstreamCode: null }
      : { relay: false, reason: "unexpected_response", upstreamCode: null };
  }
  const parsed = v.safeParse(ErrorBodySchema, body);
  if (status < 400 || !parsed.success) {
    return { relay: false, reason: "unexpected_response", upstreamCode: null };
  }
  const upstreamCode = parsed.output.error.code;
  if ((status === 401 || status === 403) && !CLIENT_AUTH_CODES.has(upstreamCode)) {
    return { relay: false, reason: "gateway_rejected", upstreamCode };
  }
  return { relay: true, upstreamCode };
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
