import { errorResponse, GatewayError, INTERNAL_ERROR_MESSAGE } from "./errors";
import { truncatePathForLog } from "./logger";
import type { GatewayRequest } from "./request-context";
import { REQUEST_ID_HEADER } from "./request-id";
import { formatCurrentServerTiming, SERVER_TIMING_HEADER } from "./server-timing";

/**
 * Last step for every response: sets X-Request-ID and Server-Timing, and writes the
 * request_completed log line.
 * The response is copied because a Response from fetch() has immutable headers.
 */
export function finishResponse(response: unknown, request: GatewayRequest): Response {
  const { requestId, log, startedAt, completionFields } = request.context;
  let finished = response;
  if (!(finished instanceof Response)) {
    log.error("route_returned_no_response", { valueType: typeof response });
    finished = errorResponse(new GatewayError("internal_error", INTERNAL_ERROR_MESSAGE), requestId);
  }
  const source = finished as Response;
  const durationMs = Date.now() - startedAt;
  const headers = new Headers(source.headers);
  headers.set(REQUEST_ID_HEADER, requestId);
  headers.set(SERVER_TIMING_HEADER, formatCurrentServerTiming(durationMs));
  log.info("request_completed", {
    method: request.method,
    path: truncatePathForLog(new URL(request.url).pathname),
    status: source.status,
    durationMs,
    ...completionFields,
  });
  return new Response(source.body, {
    status: source.status,
    statusText: source.statusText,
    headers,
  });
}
