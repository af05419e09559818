/** Assertions shared by the functions' handler tests. */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";

/** Expected status, code, message and request id of an error response. */
export interface ExpectedError {
  status: number;
  code: string;
  message: string;
  requestId: string;
}

/** Asserts the status, X-Request-ID, Content-Type and the whole error body. */
export async function assertErrorResponse(
  response: Response,
  expected: ExpectedError,
): Promise<void> {
  strictEqual(response.status, expected.status);
  strictEqual(response.headers.get("x-request-id"), expected.requestId);
  strictEqual(response.headers.get("content-type"), "application/json; charset=utf-8");
  deepStrictEqual(await response.json(), {
    error: { code: expected.code, message: expected.message },
    requestId: expected.requestId,
  });
}

/** Asserts that no recorded log line contains any of `secrets`. */
export function assertLogsExclude(logs: readonly unknown[], secrets: readonly string[]): void {
  const text = JSON.stringify(logs);
  for (const secret of secrets) {
    ok(!text.includes(secret), `a log line contains ${secret}`);
  }
}
