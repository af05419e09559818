import { GatewayError } from "./errors";

/**
 * Largest accepted request body in bytes, 1 MiB. It must fit the longest text in its longest
 * JSON form, because many clients escape every non-ASCII character (Python's json.dumps does by
 * default). An emoji or any other code point above U+FFFF is then a surrogate pair of two \u
 * escapes, 12 bytes, so 65,536 of them take 786,432 bytes. The remaining 262,144 bytes leave
 * room for the number, the JSON punctuation and white space. The text rule, not this limit,
 * decides whether a text is too long.
 */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Size limit and expected shape of one route's JSON body. */
export interface JsonBodyOptions {
  maxBytes: number;
  /** Description of the expected body for the empty-body message, e.g. "a JSON object". */
  expectedBody: string;
}

const SEND_TEXT_BODY: JsonBodyOptions = {
  maxBytes: MAX_BODY_BYTES,
  expectedBody: "a JSON object with number and text",
};

/**
 * Reads the body once and parses it as JSON. Throws 415 when Content-Type is present and not
 * application/json (a missing Content-Type is accepted), 413 when the declared or the actual
 * size exceeds the limit (MAX_BODY_BYTES unless `options` sets another), and 400 invalid_json
 * when the bytes are not UTF-8 JSON.
 */
export async function readJsonBody(
  request: Request,
  options: JsonBodyOptions = SEND_TEXT_BODY,
): Promise<unknown> {
  checkContentType(request.headers.get("Content-Type"));
  const declaredBytes = checkContentLength(request.headers.get("Content-Length"), options.maxBytes);
  // With a declared size within the limit, one arrayBuffer() call is cheaper than reading the
  // stream chunk by chunk. The size check after it still applies if the runtime delivers more.
  const bytes =
    declaredBytes === undefined
      ? await readBytes(request.body, options.maxBytes)
      : await readWholeBody(request, options.maxBytes);
  return parseJson(bytes, options.expectedBody);
}

async function readWholeBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const buffer = await request.arrayBuffer().catch(() => {
    throw new GatewayError("invalid_json", "Request body: could not be read to the end");
  });
  if (buffer.byteLength > maxBytes) {
    throw payloadTooLarge(maxBytes);
  }
  return new Uint8Array(buffer);
}

function checkContentType(contentType: string | null): void {
  if (contentType === null) {
    return;
  }
  const mediaType = contentType.split(";", 1)[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new GatewayError(
      "unsupported_media_type",
      "Content-Type header: must be application/json (or left out)",
    );
  }
}

/** Returns the declared body size when it is well-formed and within the limit. */
function checkContentLength(contentLength: string | null, maxBytes: number): number | undefined {
  // A malformed Content-Length is left to the byte count of the streamed read.
  if (contentLength === null || !/^[0-9]+$/.test(contentLength)) {
    return undefined;
  }
  const declaredBytes = Number(contentLength);
  if (declaredBytes > maxBytes) {
    throw payloadTooLarge(maxBytes);
  }
  return declaredBytes;
}

async function readBytes(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (body === null) {
    return new Uint8Array(0);
  }
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let totalBytes = 0;
  for (;;) {
    const { done, value } = await reader.read().catch(() => {
      throw new GatewayError("invalid_json", "Request body: could not be read to the end");
    });
    if (done) {
      break;
    }
    totalBytes += value.byteLength;
    if (totalBytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return concatBytes(chunks, totalBytes);
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

function parseJson(bytes: Uint8Array, expectedBody: string): unknown {
  if (bytes.byteLength === 0) {
    throw new GatewayError("invalid_json", `Request body: is empty; send ${expectedBody}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new GatewayError("invalid_json", "Request body: is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new GatewayError("invalid_json", "Request body: is not valid JSON");
  }
}

function payloadTooLarge(maxBytes: number): GatewayError {
  return new GatewayError(
    "payload_too_large",
    `Request body: larger than the limit of ${maxBytes} bytes`,
  );
}
