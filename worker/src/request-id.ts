/** Header that carries the request id in both directions. */
export const REQUEST_ID_HEADER = "X-Request-ID";

// Limited to characters that are safe in log lines and headers, so a caller-chosen id cannot
// forge log fields or inject a header.
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Returns the caller's `X-Request-ID` when it is well formed, otherwise a new UUID. */
export function resolveRequestId(headers: Headers): string {
  const incoming = headers.get(REQUEST_ID_HEADER);
  if (incoming !== null && ACCEPTED_REQUEST_ID.test(incoming)) {
    return incoming;
  }
  return crypto.randomUUID();
}
