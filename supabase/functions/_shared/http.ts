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
  const read = await readUpTo(source.body, maxBytes);
  if (read.failed) {
    throw read.error;
  }
  if (read.truncated) {
    throw new BodyTooLargeError(maxBytes);
  }
  return new TextDecoder().decode(read.bytes);
}

/** Reads at most `maxBytes` of the body as text and discards the rest. */
export async function readTextPrefix(
  source: Request | Response,
  maxBytes: number,
): Promise<string> {
  const read = await readUpTo(source.body, maxBytes);
  if (read.failed) {
    throw read.error;
  }
  return new TextDecoder().decode(read.bytes);
}

/** The start of a body, as readBodyPrefix returns it. */
export interface BodyPrefix {
  /** The bytes read, decoded as UTF-8. */
  text: string;
  /** Number of bytes read, at most the limit. */
  byteLength: number;
  /** Whether `text` is the whole body. False when the body is longer than the limit or failed. */
  complete: boolean;
  /** The stream's failure, when the body ended with an error instead of its last byte. */
  readError?: unknown;
}

/**
 * Reads at most `maxBytes` of the body and discards the rest. Unlike readTextPrefix it does not
 * throw when the stream fails midway, for example on a dropped connection or an aborted signal.
 * It keeps the bytes received before the failure and reports the failure in `readError`.
 */
export async function readBodyPrefix(
  source: Request | Response,
  maxBytes: number,
): Promise<BodyPrefix> {
  const read = await readUpTo(source.body, maxBytes);
  const prefix: BodyPrefix = {
    text: new TextDecoder().decode(read.bytes),
    byteLength: read.bytes.byteLength,
    complete: !read.truncated && !read.failed,
  };
  if (read.failed) {
    prefix.readError = read.error;
  }
  return prefix;
}

/** Outcome of readUpTo. A failed read keeps the bytes that arrived before the stream failed. */
type ReadOutcome = { bytes: Uint8Array; truncated: boolean } & (
  | { failed: false }
  | { failed: true; error: unknown }
);

async function readUpTo(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<ReadOutcome> {
  if (body === null) {
    return { bytes: new Uint8Array(0), truncated: false, failed: false };
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let totalBytes = 0;
  while (true) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      return { bytes: concatBytes(chunks, totalBytes), truncated: false, failed: true, error };
    }
    if (chunk.done) {
      return { bytes: concatBytes(chunks, totalBytes), truncated: false, failed: false };
    }
    const room = maxBytes - totalBytes;
    if (chunk.value.byteLength > room) {
      chunks.push(chunk.value.subarray(0, room));
      // The rest of the body is discarded either way, so a failed cancel changes nothing.
      await reader.cancel().catch(() => {});
      return { bytes: concatBytes(chunks, maxBytes), truncated: true, failed: false };
    }
    chunks.push(chunk.value);
    totalBytes += chunk.value.byteLength;
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
