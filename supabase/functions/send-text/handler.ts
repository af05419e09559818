import { timingSafeEqual } from "../_shared/constant-time.ts";
import { FunctionError } from "../_shared/errors.ts";
import { hashTokenForLog } from "../_shared/hash.ts";
import {
  type BodyPrefix,
  errorResponse,
  jsonResponse,
  requireMethod,
  resolveRequestId,
} from "../_shared/http.ts";
import {
  describeError,
  jsonLineLogger,
  type LogFields,
  type Logger,
  maskPhoneNumber,
} from "../_shared/log.ts";
import { createPostgrestClient, type PostgrestClient } from "../_shared/postgrest.ts";
import type { SendTextConfig } from "./config.ts";
import { readInstance } from "./instance.ts";
import { postProviderText } from "./provider.ts";
import { interpretProviderResponse, type UnreadableReplyReason } from "./provider-response.ts";
import { readSendTextRequest } from "./request.ts";

/** Replaceable collaborators; tests pass their own. */
export interface SendTextDependencies {
  /** Used for PostgREST and the provider. Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Defaults to one JSON line per event on stdout and stderr. */
  logger?: Logger;
}

interface SendContext {
  config: SendTextConfig;
  postgrest: PostgrestClient;
  fetch: typeof fetch;
  logger: Logger;
  requestId: string;
  /** Fields that each log line of this request carries; filled in as the request is checked. */
  logFields: LogFields;
}

/** Creates the handler of POST /send-text. */
export function createSendTextHandler(
  config: SendTextConfig,
  dependencies: SendTextDependencies = {},
): (request: Request) => Promise<Response> {
  const fetchFunction = dependencies.fetch ?? ((input, init) => fetch(input, init));
  const logger = dependencies.logger ?? jsonLineLogger;
  const postgrest = createPostgrestClient({
    baseUrl: config.supabaseUrl,
    apiKey: config.serviceRoleKey,
    timeoutMs: config.postgrestTimeoutMs,
    fetch: fetchFunction,
  });

  return async function handleSendText(request: Request): Promise<Response> {
    const requestId = resolveRequestId(request);
    const startedAt = performance.now();
    const context: SendContext = {
      config,
      postgrest,
      fetch: fetchFunction,
      logger,
      requestId,
      logFields: {},
    };
    try {
      const { messageId } = await sendText(request, context);
      logger("info", "send_text.sent", requestId, {
        ...context.logFields,
        durationMs: elapsedMs(startedAt),
      });
      return jsonResponse(200, { status: "sent", messageId, requestId }, requestId);
    } catch (error) {
      const failure = toFunctionError(error);
      logFailure(logger, requestId, failure, {
        ...context.logFields,
        durationMs: elapsedMs(startedAt),
      });
      return errorResponse(failure, requestId);
    }
  };
}

async function sendText(
  request: Request,
  context: SendContext,
): Promise<{ messageId: string | null }> {
  requireMethod(request, ["POST"]);
  await checkGatewaySecret(request, context.config.gatewaySharedSecret);
  const send = await readSendTextRequest(request);
  context.logFields.instanceId = send.instanceId;
  context.logFields.tokenHash = await hashTokenForLog(send.token);
  context.logFields.recipient = maskPhoneNumber(send.number);

  const instance = await readInstance(context.postgrest, send.instanceId);
  // Compare even when no row exists, so both rejections take the same path and time.
  const tokenMatches = await timingSafeEqual(send.token, instance?.instance_token ?? "");
  if (instance === null || !tokenMatches) {
    throw new FunctionError("invalid_token", "The token is not valid for this instance.");
  }
  if (instance.status !== "connected") {
    context.logFields.instanceStatus = instance.status;
    throw new FunctionError("instance_disconnected", "Instance is disconnected");
  }

  const providerResponse = await postProviderText({
    baseUrl: context.config.uazapiBaseUrl,
    providerToken: instance.provider_token,
    number: send.number,
    text: send.text,
    timeoutMs: context.config.providerTimeoutMs,
    fetch: context.fetch,
  });
  context.logFields.providerStatus = providerResponse.status;
  const acceptance = interpretProviderResponse(providerResponse);
  if (acceptance.unreadableReason !== undefined) {
    logUnreadableReply(context, providerResponse.body, acceptance.unreadableReason);
  }
  return acceptance;
}

/** Logs a 2xx provider response whose body gave no message id. The body itself is never logged. */
function logUnreadableReply(
  context: SendContext,
  body: BodyPrefix,
  reason: UnreadableReplyReason,
): void {
  const cause = body.readError === undefined ? undefined : describeError(body.readError);
  context.logger("warn", "send_text.provider_reply_unreadable", context.requestId, {
    ...context.logFields,
    reason,
    bodyBytes: body.byteLength,
    cause,
  });
}

async function checkGatewaySecret(request: Request, expectedSecret: string): Promise<void> {
  const secret = request.headers.get("x-gateway-secret");
  const matches = await timingSafeEqual(secret ?? "", expectedSecret);
  if (secret === null || !matches) {
    throw new FunctionError(
      "invalid_gateway_secret",
      "The X-Gateway-Secret header is missing or wrong.",
    );
  }
}

function toFunctionError(error: unknown): FunctionError {
  if (error instanceof FunctionError) {
    return error;
  }
  return new FunctionError("internal_error", "The send-text function failed unexpectedly.", {
    cause: error,
  });
}

/** Logs 5xx failures as errors with their cause, and client-caused 4xx failures as warnings. */
function logFailure(
  logger: Logger,
  requestId: string,
  failure: FunctionError,
  fields: LogFields,
): void {
  const level = failure.status >= 500 ? "error" : "warn";
  const cause = failure.cause === undefined ? undefined : describeError(failure.cause);
  logger(level, "send_text.failed", requestId, {
    ...fields,
    code: failure.code,
    status: failure.status,
    cause,
  });
}

function elapsedMs(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}
