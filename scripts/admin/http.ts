/** Timeout of one HTTP request, including reading the response body. */
export const HTTP_TIMEOUT_MS = 10_000;

/** A received response; `body` is the parsed JSON, or undefined when the body is not JSON. */
export interface JsonResponse {
  status: number;
  body: unknown;
}

export interface HttpRequest {
  method: "GET" | "POST";
  headers: Record<string, string>;
  /** Serialised as JSON, with a Content-Type of application/json. */
  json?: unknown;
}

/** No response arrived because the server was unreachable or the request timed out. */
export class TransportError extends Error {
  override readonly name = "TransportError";

  constructor(
    readonly kind: "unreachable" | "timeout",
    /** The request's URL without its query string, so that cursors stay out of messages. */
    readonly endpoint: string,
    /** Failure detail: an error code such as ECONNREFUSED, or the timeout in seconds. */
    readonly detail: string,
  ) {
    super(kind === "timeout" ? `${endpoint} timed out after ${detail}` : `${endpoint}: ${detail}`);
  }
}

/** Sends one request and reads the whole response within HTTP_TIMEOUT_MS. */
export async function requestJson(
  url: URL | string,
  request: HttpRequest,
  timeoutMs = HTTP_TIMEOUT_MS,
): Promise<JsonResponse> {
  const headers = { Accept: "application/json", ...request.headers };
  const init: RequestInit = { method: request.method, headers };
  if (request.json !== undefined) {
    init.body = JSON.stringify(request.json);
    Object.assign(headers, { "Content-Type": "application/json" });
  }
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { status: response.status, body: parseJson(text) };
  } catch (error) {
    throw describeTransportError(error, endpointOf(url), timeoutMs);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function endpointOf(url: URL | string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

function describeTransportError(error: unknown, endpoint: string, timeoutMs: number): Error {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return new TransportError("timeout", endpoint, `${timeoutMs / 1000} s`);
  }
  if (error instanceof TypeError) {
    const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
    const detail =
      typeof cause?.code === "string" ? cause.code : String(cause?.message ?? error.message);
    return new TransportError("unreachable", endpoint, detail);
  }
  return error instanceof Error ? error : new Error(String(error));
}
