import { errorResponse, GatewayError, INTERNAL_ERROR_MESSAGE } from "./errors";
import { describeError } from "./logger";
import { createRequestContext, type GatewayRequest } from "./request-context";

/**
 * Turns anything a middleware or route throws into the JSON error shape. A GatewayError keeps
 * its code and message; any other error becomes a generic 500 so its message, which may
 * describe internals, reaches only the log. The code also goes on the request_completed line,
 * so the log separates errors that share a status, such as invalid_json and invalid_body.
 */
export function handleError(error: unknown, request: GatewayRequest): Response {
  // The context is missing only when the first middleware itself threw.
  request.context ??= createRequestContext(crypto.randomUUID());
  const { requestId, log, completionFields } = request.context;
  if (error instanceof GatewayError) {
    completionFields.errorCode = error.code;
    return errorResponse(error, requestId);
  }
  const stack = error instanceof Error ? error.stack : undefined;
  log.error("unhandled_error", { ...describeError(error), stack });
  const internal = new GatewayError("internal_error", INTERNAL_ERROR_MESSAGE);
  completionFields.errorCode = internal.code;
  return errorResponse(internal, requestId);
}
