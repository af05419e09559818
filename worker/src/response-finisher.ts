import { errorResponse, GatewayError, INTERNAL_ERROR_MESSAGE } from "./errors";
import { truncatePathForLog } from "./logger";
import type { GatewayRequest } from "./request-context";
import { REQUEST_ID_HEADER } from "./request-id";
import { SERVER_TIMING_HEADER } from "./server-timing";

/**
 * Last step for every response: sets X-Request-ID and Server-Timing, and writes the
 * request_completed log line.
 */
export function finishResponse(response: unknown, request: GatewayRequest): Response {
  const { requestId, log, startedAt, completionFields, timing } = request.context;
  let finished = response;
  if (!(finished instanceof Response)) {
    log.error("route_returned_no_response", { valueType: typeof response });
    finished = errorResponse(new GatewayError("internal_error", INTERNAL_ERROR_MESSAGE), requestId);
  }
  const source = finished as Response;
  const durationMs = Date.now() - startedAt;
  const serverTiming = timing.toHeaderValue(durationMs);
  log.info("request_completed", {
    method: request.method,
    path: truncatePathForLog(new URL(request.url).pathname),
    status: source.status,
    durationMs,
    ...completionFields,
  });
  return withHeaders(source, {
    [REQUEST_ID_HEADER]: requestId,
    [SERVER_TIMING_HEADER]: serverTiming,
  });
}

/**
 * Sets the headers on the response itself when its headers are mutable (responses the gateway
 * built), and on a copy otherwise: a Response from fetch() has immutable headers, and setting
 * one throws a TypeError.
 */
function withHeaders(response: Response, values: Record<string, string>): Response {
  try {
    for (const [name, value] of Object.entries(values)) {
      response.headers.set(name, value);
    }
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) {
      throw error;
    }
  }
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(values)) {
    headers.set(name, value);
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
