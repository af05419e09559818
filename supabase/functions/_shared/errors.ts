/**
 * HTTP status of every error code the functions return. This is the only place that maps codes
 * to statuses.
 */
export const ERROR_STATUS = {
  invalid_body: 400,
  invalid_instance_id: 400,
  invalid_json: 400,
  invalid_payload: 400,
  invalid_gateway_secret: 401,
  invalid_token: 401,
  invalid_webhook_secret: 401,
  instance_disconnected: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  recipient_rejected: 422,
  provider_rate_limited: 429,
  internal_error: 500,
  gateway_misconfigured: 500,
  provider_auth_failed: 502,
  provider_error: 502,
  provider_unreachable: 502,
  purge_failed: 502,
  database_unavailable: 503,
  provider_disconnected: 503,
  provider_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FunctionErrorOptions {
  /** Extra response headers, such as Retry-After or Allow. */
  headers?: Record<string, string>;
  /** The underlying failure, written to the log and never sent to the client. */
  cause?: unknown;
}

/** An expected failure that becomes the project's JSON error response. */
export class FunctionError extends Error {
  override name = "FunctionError";
  readonly status: number;
  readonly headers: Record<string, string>;

  /**
   * @param message Sentence for the client. It names the field or header and what is wrong, and
   *   never contains a token, secret or phone number.
   */
  constructor(
    readonly code: ErrorCode,
    message: string,
    options: FunctionErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.status = ERROR_STATUS[code];
    this.headers = options.headers ?? {};
  }
}

/**
 * Returns `error` when it is a FunctionError, else wraps it in a 500 internal_error whose client
 * message is `unexpectedMessage` and whose cause keeps the original for the log.
 */
export function toFunctionError(error: unknown, unexpectedMessage: string): FunctionError {
  if (error instanceof FunctionError) {
    return error;
  }
  return new FunctionError("internal_error", unexpectedMessage, { cause: error });
}
