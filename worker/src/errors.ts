/** HTTP status of every error code the gateway returns; the only place codes map to statuses. */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_body: 400,
  invalid_query: 400,
  missing_token: 401,
  invalid_token: 401,
  instance_disconnected: 401,
  missing_admin_secret: 401,
  invalid_admin_secret: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  headers_too_large: 431,
  internal_error: 500,
  gateway_misconfigured: 500,
  upstream_error: 502,
  database_unavailable: 503,
  admin_disabled: 503,
  cache_unavailable: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface GatewayErrorOptions {
  /** Seconds a client should wait before retrying; sent as `Retry-After`. */
  retryAfterSeconds?: number;
  /** Extra response headers, such as `Allow` on a 405. */
  headers?: Record<string, string>;
}

/**
 * An expected failure with a public code and message. The message reaches the client, so it
 * must never contain a token, a secret or a full phone number.
 */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly options: GatewayErrorOptions;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message);
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.options = options;
  }
}

/** Public message for unexpected failures; the detail stays in the log. */
export const INTERNAL_ERROR_MESSAGE = "The gateway failed to process the request; try again later";

/** Public message for a deployment fault; which setting is wrong stays in the log. */
export const MISCONFIGURED_MESSAGE =
  "The gateway is misconfigured; its operator has to fix the deployment settings";

/** Builds the JSON error body `{"error": {code, message}, "requestId"}` with its headers. */
export function errorResponse(error: GatewayError, requestId: string): Response {
  const headers = new Headers(error.options.headers);
  if (error.options.retryAfterSeconds !== undefined) {
    headers.set("Retry-After", String(error.options.retryAfterSeconds));
  }
  const body = { error: { code: error.code, message: error.message }, requestId };
  return Response.json(body, { status: error.status, headers });
}
