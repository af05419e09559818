import { FunctionError } from "../_shared/errors.ts";
import type { ProviderResponse } from "./provider.ts";

export const PROVIDER_RATE_LIMIT_RETRY_AFTER_SECONDS = 1;
export const PROVIDER_DISCONNECTED_RETRY_AFTER_SECONDS = 30;

/** Phrases that mark a provider response as a disconnected WhatsApp session. */
const DISCONNECTED_SESSION_PATTERN = /connection closed|disconnected|not connected/i;

/**
 * Maps the provider's response to the message id of a sent message, or raises the FunctionError
 * the client receives.
 *
 * NOTE: the uazapi documentation at hand shows no response schema for /send/text. Three rules
 * here are therefore inferred from third-party uazapi clients. The message id is read from
 * `messageid`. A 2xx response whose JSON contains a truthy `error` counts as a failure. The
 * phrases in DISCONNECTED_SESSION_PATTERN mark a disconnected session.
 */
export function interpretProviderResponse(response: ProviderResponse): {
  messageId: string | null;
} {
  const body = parseJsonObject(response.bodyText);
  const succeeded = response.status >= 200 && response.status < 300;
  if (succeeded && !hasErrorField(body)) {
    const messageId = body?.messageid;
    return { messageId: typeof messageId === "string" && messageId !== "" ? messageId : null };
  }
  throw toProviderFailure(response);
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
  if (DISCONNECTED_SESSION_PATTERN.test(response.bodyText)) {
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

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function hasErrorField(body: Record<string, unknown> | null): boolean {
  return body !== null && Boolean(body.error);
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
