import { FunctionError } from "../_shared/errors.ts";
import type { BodyPrefix } from "../_shared/http.ts";
import type { ProviderResponse } from "./provider.ts";

export const PROVIDER_RATE_LIMIT_RETRY_AFTER_SECONDS = 1;
export const PROVIDER_DISCONNECTED_RETRY_AFTER_SECONDS = 30;

/** Phrases that mark a provider response as a disconnected WhatsApp session. */
const DISCONNECTED_SESSION_PATTERN = /connection closed|disconnected|not connected/i;

/** Reason why the body of a 2xx provider response gave no result. */
export type UnreadableReplyReason =
  | "too_large"
  | "read_failed"
  | "empty"
  | "invalid_json"
  | "not_an_object";

/** Result of a send that the provider accepted. */
export interface ProviderAcceptance {
  messageId: string | null;
  /** Set when the body of the 2xx response could not be read, so no message id was found. */
  unreadableReason?: UnreadableReplyReason;
}

/**
 * Maps the provider's response to the message id of a sent message, or raises the FunctionError
 * the client receives.
 *
 * NOTE: the uazapi documentation at hand shows no response schema for /send/text. Three rules
 * here are therefore inferred from third-party uazapi clients. The message id is read from
 * `messageid`. A 2xx response whose JSON contains a truthy `error` counts as a failure. The
 * phrases in DISCONNECTED_SESSION_PATTERN mark a disconnected session.
 */
export function interpretProviderResponse(response: ProviderResponse): ProviderAcceptance {
  if (response.status < 200 || response.status >= 300) {
    throw toProviderFailure(response);
  }
  const body = readReplyObject(response.body);
  // A 2xx means the provider accepted the message. An unreadable body still counts as sent,
  // because an error response would invite the client to retry and send the message twice.
  if (typeof body === "string") {
    return { messageId: null, unreadableReason: body };
  }
  if (hasErrorField(body)) {
    throw toProviderFailure(response);
  }
  const messageId = body.messageid;
  return { messageId: typeof messageId === "string" && messageId !== "" ? messageId : null };
}

/**
 * Parses a 2xx body as a JSON object, or returns why it cannot. Only a complete body is parsed,
 * so a body cut off at the read limit is never searched for an `error` field.
 */
function readReplyObject(body: BodyPrefix): Record<string, unknown> | UnreadableReplyReason {
  if (!body.complete) {
    return body.readError === undefined ? "too_large" : "read_failed";
  }
  if (body.text.trim() === "") {
    return "empty";
  }
  let value: unknown;
  try {
    value = JSON.parse(body.text);
  } catch {
    return "invalid_json";
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "not_an_object";
  }
  return value as Record<string, unknown>;
}

function toProviderFailure(response: ProviderResponse): FunctionError {
  if (response.status >= 300 && response.status < 400) {
    return new FunctionError(
      "provider_error",
      `The WhatsApp provider responded with a redirect (HTTP ${response.status}), which the function does not follow. Retry the request later.`,
    );
  }
  const retryAfter = response.headers.get("retry-after");
  if (response.status === 429) {
    return new FunctionError(
      "provider_rate_limited",
      "The WhatsApp provider is rate limiting this instance. Retry after the Retry-After delay.",
      {
        headers: {
          "Retry-After": toRetryAfter(retryAfter, PROVIDER_RATE_LIMIT_RETRY_AFTER_SECONDS),
        },
      },
    );
  }
  if (DISCONNECTED_SESSION_PATTERN.test(response.body.text)) {
    return new FunctionError(
      "provider_disconnected",
      "The instance's WhatsApp session is disconnected at the provider. Reconnect it, then retry.",
      {
        headers: {
          "Retry-After": toRetryAfter(retryAfter, PROVIDER_DISCONNECTED_RETRY_AFTER_SECONDS),
        },
      },
    );
  }
  if (response.status === 401 || response.status === 403) {
    return new FunctionError(
      "provider_auth_failed",
      "The WhatsApp provider rejected the instance's provider token.",
    );
  }
  if (response.status === 400 || response.status === 422) {
    return new FunctionError(
      "recipient_rejected",
      "The WhatsApp provider rejected the message. Check that the number is registered on WhatsApp.",
    );
  }
  return new FunctionError(
    "provider_error",
    `The WhatsApp provider failed with HTTP ${response.status}. Retry the request later.`,
  );
}

function hasErrorField(body: Record<string, unknown>): boolean {
  return Boolean(body.error);
}

/** Returns a Retry-After value in seconds from delta-seconds or an HTTP date, else the default. */
function toRetryAfter(headerValue: string | null, defaultSeconds: number): string {
  const value = headerValue?.trim() ?? "";
  if (/^\d{1,9}$/.test(value)) {
    return String(Number(value));
  }
  const retryAt = Date.parse(value);
  if (!Number.isNaN(retryAt)) {
    return String(Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)));
  }
  return String(defaultSeconds);
}
