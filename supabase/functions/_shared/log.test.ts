import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { FunctionError, toFunctionError } from "./errors.ts";
import { hashTokenForLog } from "./hash.ts";
import { logFunctionFailure, maskPhoneNumber } from "./log.ts";

for (const [input, masked] of [
  ["5511987654321", "***4321"],
  ["+55 (11) 98765-4321", "***4321"],
  ["5511987654321@s.whatsapp.net", "***4321"],
  ["120363025246125486@g.us", "***5486"],
  ["12345", "***2345"],
  ["1234", "***"],
  ["", "***"],
] as const) {
  Deno.test(`maskPhoneNumber masks "${input}"`, () => {
    strictEqual(maskPhoneNumber(input), masked);
  });
}

Deno.test("hashTokenForLog keeps 8 hex characters of SHA-256", async () => {
  // SHA-256("abc123") starts with 6ca13d52.
  strictEqual(await hashTokenForLog("abc123"), "6ca13d52");
});

for (const [code, level] of [
  ["invalid_payload", "warn"],
  ["purge_failed", "error"],
] as const) {
  Deno.test(`logFunctionFailure logs ${code} as ${level}`, () => {
    const lines: unknown[] = [];
    const failure = new FunctionError(code, "Message for the client.", {
      cause: new TypeError("connection refused"),
    });

    logFunctionFailure((...line) => lines.push(line), "example.failed", "request-1", failure, {
      tokenCount: 1,
    });

    deepStrictEqual(lines, [
      [
        level,
        "example.failed",
        "request-1",
        {
          tokenCount: 1,
          code,
          status: failure.status,
          cause: "TypeError: connection refused",
        },
      ],
    ]);
  });
}

Deno.test("toFunctionError keeps a FunctionError", () => {
  const failure = new FunctionError("purge_failed", "Purge failed.");

  strictEqual(toFunctionError(failure, "Unexpected."), failure);
});

Deno.test("toFunctionError wraps other errors as internal_error", () => {
  const cause = new RangeError("boom");

  const failure = toFunctionError(cause, "The function failed unexpectedly.");

  strictEqual(failure.status, 500);
  strictEqual(failure.code, "internal_error");
  strictEqual(failure.message, "The function failed unexpectedly.");
  strictEqual(failure.cause, cause);
});
