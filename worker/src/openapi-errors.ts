import { ERROR_STATUS as FUNCTION_ERROR_STATUS } from "../../supabase/functions/_shared/errors";
import { ADMIN_DISABLED_MESSAGE } from "./admin-auth";
import {
  ERROR_STATUS,
  type ErrorCode,
  INTERNAL_ERROR_MESSAGE,
  MISCONFIGURED_MESSAGE,
} from "./errors";
import { MAX_REQUEST_HEADER_BYTES } from "./header-limit";
import { errorBodySchema } from "./openapi-schemas";
import type { ExampleObject, Reference, ResponseObject } from "./openapi-types";
import { MAX_BODY_BYTES } from "./request-body";

/**
 * Codes of the send-text function that reach the client. The gateway relays the function's
 * error responses unchanged, apart from a 401 or 403 about the gateway's own credentials.
 */
export const RELAYED_FUNCTION_CODES = [
  "recipient_rejected",
  "provider_rate_limited",
  "provider_auth_failed",
  "provider_error",
  "provider_unreachable",
  "provider_disconnected",
  "provider_timeout",
] as const;

export type DocumentedErrorCode = ErrorCode | (typeof RELAYED_FUNCTION_CODES)[number];

interface ErrorDescription {
  /** When the code is returned, as a sentence fragment for the response description. */
  when: string;
  /** A message the gateway or the function returns with the code. */
  example: string;
  /** Whether the response carries Retry-After. */
  retryAfter?: boolean;
}

// A Record over every code, so a code added to ERROR_STATUS fails the type check until it is
// documented here.
const ERROR_DESCRIPTIONS: Record<DocumentedErrorCode, ErrorDescription> = {
  invalid_json: {
    when: "the body is empty, not UTF-8 or not JSON",
    example: "Request body: is not valid JSON",
  },
  invalid_body: {
    when: "a field is missing, has the wrong type or breaks its rule; the message names each field",
    example: "number: must be 7 to 15 digits with the country code, or a WhatsApp JID",
  },
  invalid_query: {
    when: "a query parameter is malformed or repeated",
    example: "limit query parameter: must be a whole number from 1 to 500",
  },
  missing_token: {
    when: "neither `token` nor `Authorization` was sent",
    example:
      "Missing token: send the instance token in the token header or as Authorization: Bearer <token>",
  },
  invalid_token: {
    when: "the token is malformed (checked before any lookup), unknown, or the two token headers disagree",
    example: "Invalid token: no WhatsApp instance has this token",
  },
  instance_disconnected: {
    when: "the instance is `disconnected` or still `connecting`",
    example: "Instance is disconnected",
  },
  missing_admin_secret: {
    when: "no `Authorization: Bearer` credential was sent",
    example: "Missing admin secret: send it as Authorization: Bearer <ADMIN_SECRET>",
  },
  invalid_admin_secret: {
    when: "the credential is not ADMIN_SECRET, or the scheme is not Bearer",
    example: "Invalid admin secret: the Authorization header does not contain ADMIN_SECRET",
  },
  not_found: {
    when: "no route matches the path",
    example: "Not found: no route matches this path",
  },
  method_not_allowed: {
    when: "the path exists under another method; the `Allow` header lists it",
    example: "Method GET is not allowed on this path; use POST",
  },
  payload_too_large: {
    when: "the declared or the actual body size is over the route's limit",
    example: `Request body: larger than the limit of ${MAX_BODY_BYTES} bytes`,
  },
  unsupported_media_type: {
    when: "a `Content-Type` other than `application/json` was sent",
    example: "Content-Type header: must be application/json (or left out)",
  },
  headers_too_large: {
    when: `the request headers total more than ${MAX_REQUEST_HEADER_BYTES} bytes`,
    example: `Request headers: larger than the limit of ${MAX_REQUEST_HEADER_BYTES} bytes in total; send fewer or shorter headers`,
  },
  internal_error: {
    when: "an unexpected failure; the log holds the detail under the request id",
    example: INTERNAL_ERROR_MESSAGE,
  },
  gateway_misconfigured: {
    when: "a setting of the deployment is missing or rejected; the log names it",
    example: MISCONFIGURED_MESSAGE,
  },
  upstream_error: {
    when: "the send-text function could not be reached or returned a response of another shape",
    example: "The send-text function returned an unexpected response; try again later",
  },
  database_unavailable: {
    when: "the instance database failed or did not respond in time",
    example: "The instance database is unavailable; retry in a few seconds",
    retryAfter: true,
  },
  admin_disabled: {
    when: "ADMIN_SECRET is not set on the Worker",
    example: ADMIN_DISABLED_MESSAGE,
  },
  cache_unavailable: {
    when: "a KV list or delete failed; retry the whole request",
    example: "The token cache is unavailable; retry the request in a few seconds",
    retryAfter: true,
  },
  upstream_timeout: {
    when: "the send-text function did not respond within SEND_TEXT_TIMEOUT_MS",
    example: "The send-text function timed out; the message may or may not have been sent",
  },
  recipient_rejected: {
    when: "the provider rejected the recipient, for example a number that is not on WhatsApp",
    example:
      "The WhatsApp provider rejected the message. Check that the number is registered on WhatsApp.",
  },
  provider_rate_limited: {
    when: "the provider is rate limiting the instance",
    example:
      "The WhatsApp provider is rate limiting this instance. Retry after the Retry-After delay.",
    retryAfter: true,
  },
  provider_auth_failed: {
    when: "the provider rejected the instance's provider token",
    example: "The WhatsApp provider rejected the instance's provider token.",
  },
  provider_error: {
    when: "the provider failed with another status",
    example: "The WhatsApp provider failed with HTTP 500. Retry the request later.",
  },
  provider_unreachable: {
    when: "the provider could not be reached",
    example: "The WhatsApp provider could not be reached. Retry the request later.",
  },
  provider_disconnected: {
    when: "the provider reports that the instance's WhatsApp session is closed",
    example:
      "The instance's WhatsApp session is disconnected at the provider. Reconnect it, then retry.",
    retryAfter: true,
  },
  provider_timeout: {
    when: "the provider did not respond within the function's PROVIDER_TIMEOUT_MS",
    example:
      "The WhatsApp provider did not respond within 15000 ms. The message may or may not have been sent.",
  },
};

/** Request id of every example; any id matching the X-Request-ID rule is returned as is. */
export const EXAMPLE_REQUEST_ID = "6d6c088c-c33f-43e9-8fa4-660089ea9e4f";

/** Returns the HTTP status of a code, from the Worker's table or the send-text function's. */
export function statusOfErrorCode(code: DocumentedErrorCode): number {
  return code in ERROR_STATUS
    ? ERROR_STATUS[code as ErrorCode]
    : FUNCTION_ERROR_STATUS[code as keyof typeof FUNCTION_ERROR_STATUS];
}

/** Replacement example messages for a route whose failures read differently. */
export type ExampleOverrides = Partial<Record<DocumentedErrorCode, string>>;

/**
 * Builds the error responses of one operation, one per status, each listing its codes with a
 * schema that allows only those codes and an example per code.
 */
export function buildErrorResponses(
  codes: readonly DocumentedErrorCode[],
  overrides: ExampleOverrides = {},
): Record<string, ResponseObject> {
  const byStatus = new Map<number, DocumentedErrorCode[]>();
  for (const code of codes) {
    const status = statusOfErrorCode(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, ResponseObject> = {};
  for (const [status, statusCodes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = buildErrorResponse(statusCodes, overrides);
  }
  return responses;
}

/** Builds the error response of a set of codes that share one status. */
export function buildErrorResponse(
  codes: readonly DocumentedErrorCode[],
  overrides: ExampleOverrides = {},
): ResponseObject {
  const [first, ...rest] = codes;
  if (first === undefined) {
    throw new Error("An error response needs at least one code");
  }
  const lines = codes.map((code) => `- \`${code}\`: ${ERROR_DESCRIPTIONS[code].when}`);
  const examples: Record<string, ExampleObject> = {};
  for (const code of codes) {
    const message = overrides[code] ?? ERROR_DESCRIPTIONS[code].example;
    examples[code] = {
      summary: ERROR_DESCRIPTIONS[code].when,
      value: { error: { code, message }, requestId: EXAMPLE_REQUEST_ID },
    };
  }
  return {
    description: `Error. \`error.code\` is one of:\n\n${lines.join("\n")}`,
    headers: responseHeaders(codes.some((code) => ERROR_DESCRIPTIONS[code].retryAfter)),
    content: { "application/json": { schema: errorBodySchema([first, ...rest]), examples } },
  };
}

/** Returns the headers every response carries, plus Retry-After when `withRetryAfter` is set. */
export function responseHeaders(withRetryAfter = false): Record<string, Reference> {
  const headers: Record<string, Reference> = {
    "X-Request-ID": { $ref: "#/components/headers/X-Request-ID" },
    "Server-Timing": { $ref: "#/components/headers/Server-Timing" },
  };
  if (withRetryAfter) {
    headers["Retry-After"] = { $ref: "#/components/headers/Retry-After" };
  }
  return headers;
}
