import { type ErrorCode, FunctionError } from "./errors.ts";

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,64}$/;

/** Returns the incoming X-Request-ID when it is well formed, else a new UUID. */
export function resolveRequestId(request: Request): string {
  const incoming = request.headers.get("x-request-id");
  if (incoming !== null && REQUEST_ID_PATTERN.test(incoming)) {
    return incoming;
  }
  return crypto.randomUUID();
}

/** Builds a JSON response that carries X-Request-ID. */
export function jsonResponse(
  status: number,
  body: unknown,
  requestId: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      ...headers,
      "Content-Type": "application/json; charset=utf-8",
      "X-Request-ID": requestId,
    },
  });
}

/** Builds the one error body shape: {"error": {code, message}, "requestId"}. */
export function errorResponse(error: FunctionError, requestId: string): Response {
  const body = { error: { code: error.code, message: error.message }, requestId };
  return jsonResponse(error.status, body, requestId, error.headers);
}

/** Raises 405 unless the request uses one of `allowedMethods`. */
export function requireMethod(request: Request, allowedMethods: readonly string[]): void {
  if (!allowedMethods.includes(request.method)) {
    const allow = allowedMethods.join(", ");
    throw new FunctionError(
      "method_not_allowed",
      `Method ${request.method} is not allowed on this function. Use ${allow}.`,
      { headers: { Allow: allow } },
    );
  }
}

/**
 * Reads the body as JSON. A body over `maxBytes` raises 413 payload_too_large, and a body that is
 * not JSON raises 400 with `invalidJsonCode`.
 */
export async function readJsonBody(
  request: Request,
  maxBytes: number,
  invalidJsonCode: ErrorCode = "invalid_json",
): Promise<unknown> {
  let text: string;
  try {
    text = await readBoundedText(request, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      throw new FunctionError(
        "payload_too_large",
        `The request body must be at most ${maxBytes} bytes.`,
      );
    }
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new FunctionError(invalidJsonCode, "The request body must be valid JSON.");
  }
}

/**
 * Reads the body as text and raises BodyTooLargeError as soon as it grows past `maxBytes`, so an
 * oversized body is never buffered whole.
 */
export async function readBoundedText(
  source: Request | Response,
  maxBytes: number,
): Promise<string> {
  const { bytes, truncated } = await readUpTo(source.body, maxBytes);
  if (truncated) {
    throw new BodyTooLargeError(maxBytes);
  }
  return new TextDecoder().decode(bytes);
}

/** Reads at most `maxBytes` of the body as text and discards the rest. */
export async function readTextPrefix(
  source: Request | Response,
  maxBytes: number,
): Promise<string> {
  const { bytes } = await readUpTo(source.body, maxBytes);
  return new TextDecoder().decode(bytes);
}

async function readUpTo(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<{ bytes: Uint8Array; truncated: boolean }> {
  if (body === null) {
    return { bytes: new Uint8Array(0), truncated: false };
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let totalBytes = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) {
      return { bytes: concatBytes(chunks, totalBytes), truncated: false };
    }
    const room = maxBytes - totalBytes;
    if (value.byteLength > room) {
      chunks.push(value.subarray(0, room));
      await reader.cancel();
      return { bytes: concatBytes(chunks, maxBytes), truncated: true };
    }
    chunks.push(value);
    totalBytes += value.byteLength;
  }
}

/** A body that exceeded the byte limit given to readBoundedText. */
export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";

  constructor(readonly maxBytes: number) {
    super(`The body is larger than ${maxBytes} bytes.`);
  }
}

function concatBytes(chunks: Uint8Array[], totalBytes: number): Uint8Array {
  const bytes = new Uint8Array(totalBytes);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
