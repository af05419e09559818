import { GatewayError } from "./errors";
import type { GatewayRequest } from "./request-context";

/**
 * Maximum total size of a request's headers in bytes. A send with the longest token and request
 * id takes under 1 KiB, while Cloudflare accepts up to 128 KB of request headers (Workers
 * limits page, developers.cloudflare.com/workers/platform/limits).
 */
export const MAX_REQUEST_HEADER_BYTES = 16 * 1024;

// Each header line also carries ": " and CRLF on the HTTP/1.1 wire.
const HEADER_LINE_OVERHEAD_BYTES = 4;

const encoder = new TextEncoder();

/**
 * Returns the size of the headers as HTTP/1.1 would send them: the UTF-8 bytes of each name and
 * value plus 4 bytes per line. A header that arrived twice is measured as the runtime joined
 * it, without its repeated name. A byte that is not valid UTF-8 reaches the Worker as U+FFFD and
 * counts as 3 bytes, so such headers measure larger than they were on the wire.
 */
export function measureHeaderBytes(headers: Headers): number {
  return sumHeaderLines(headers, (text) => encoder.encode(text).byteLength);
}

// UTF-8 takes at most 3 bytes for one UTF-16 code unit (4 for a surrogate pair of two units).
const MAX_UTF8_BYTES_PER_CODE_UNIT = 3;

/**
 * Returns an upper bound of measureHeaderBytes from string lengths alone. Most requests are far
 * below the limit, so this saves encoding every header on them.
 */
function headerBytesUpperBound(headers: Headers): number {
  return sumHeaderLines(headers, (text) => text.length * MAX_UTF8_BYTES_PER_CODE_UNIT);
}

/** Adds `bytesOf` each name and each value, plus the line overhead of every header. */
function sumHeaderLines(headers: Headers, bytesOf: (text: string) => number): number {
  let totalBytes = 0;
  for (const [name, value] of headers) {
    totalBytes += bytesOf(name) + bytesOf(value) + HEADER_LINE_OVERHEAD_BYTES;
  }
  return totalBytes;
}

/** Throws 431 headers_too_large when the headers exceed MAX_REQUEST_HEADER_BYTES. */
export function checkRequestHeaderSize(headers: Headers): void {
  if (headerBytesUpperBound(headers) <= MAX_REQUEST_HEADER_BYTES) {
    return;
  }
  if (measureHeaderBytes(headers) > MAX_REQUEST_HEADER_BYTES) {
    throw new GatewayError(
      "headers_too_large",
      `Request headers: larger than the limit of ${MAX_REQUEST_HEADER_BYTES} bytes in total; send fewer or shorter headers`,
    );
  }
}

/**
 * Middleware form of checkRequestHeaderSize. It belongs right after withRequestContext, so the
 * 431 carries a request id and no route or configuration check runs for such a request.
 * NOTE: the limit applies only once index.ts lists this function in the router's `before` list.
 */
export function withHeaderLimit(request: GatewayRequest): void {
  checkRequestHeaderSize(request.headers);
}
