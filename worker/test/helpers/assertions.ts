import { expect } from "vitest";

/**
 * Asserts the status and the whole error body, including that requestId equals the
 * X-Request-ID header. Pass a string for an exact message, or an asymmetric matcher.
 */
export async function expectError(
  response: Response,
  status: number,
  code: string,
  message: unknown = expect.any(String),
): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  const requestId = response.headers.get("X-Request-ID");
  expect(requestId).toEqual(expect.any(String));
  expect(await response.json()).toEqual({ error: { code, message }, requestId });
}
