import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { FunctionError } from "./errors.ts";
import { readJsonBody } from "./http.ts";

function post(body: string): Request {
  return new Request("http://127.0.0.1/", { method: "POST", body });
}

async function assertRejectsWith(promise: Promise<unknown>, code: string, message: string) {
  await rejects(promise, (error: unknown) => {
    strictEqual(error instanceof FunctionError, true);
    strictEqual((error as FunctionError).code, code);
    strictEqual((error as FunctionError).message, message);
    return true;
  });
}

Deno.test("readJsonBody parses a JSON body", async () => {
  deepStrictEqual(await readJsonBody(post('{"a":[1]}'), 64), { a: [1] });
});

Deno.test("readJsonBody rejects invalid JSON as invalid_json", async () => {
  await assertRejectsWith(
    readJsonBody(post("{"), 64),
    "invalid_json",
    "The request body must be valid JSON.",
  );
});

Deno.test("readJsonBody rejects invalid JSON with the given code", async () => {
  await assertRejectsWith(
    readJsonBody(post(""), 64, "invalid_payload"),
    "invalid_payload",
    "The request body must be valid JSON.",
  );
});

Deno.test("readJsonBody rejects a body over the limit", async () => {
  await assertRejectsWith(
    readJsonBody(post(`"${"x".repeat(63)}"`), 64),
    "payload_too_large",
    "The request body must be at most 64 bytes.",
  );
});
