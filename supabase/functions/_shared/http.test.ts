import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
import { FunctionError } from "./errors.ts";
import { readBodyPrefix, readJsonBody, readTextPrefix } from "./http.ts";

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

/** Builds a response whose body streams `parts`, then ends or fails with `failure`. */
function streamedResponse(parts: string[], failure?: Error): Response {
  const encoder = new TextEncoder();
  const pending = [...parts];
  // pull() hands out one part a call, because an error raised at once would drop queued parts.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = pending.shift();
      if (part !== undefined) {
        controller.enqueue(encoder.encode(part));
      } else if (failure === undefined) {
        controller.close();
      } else {
        controller.error(failure);
      }
    },
  });
  return new Response(body);
}

Deno.test("readBodyPrefix reads a whole body", async () => {
  deepStrictEqual(await readBodyPrefix(streamedResponse(['{"a":', "1}"]), 64), {
    text: '{"a":1}',
    byteLength: 7,
    complete: true,
  });
});

Deno.test("readBodyPrefix stops at the limit", async () => {
  deepStrictEqual(await readBodyPrefix(streamedResponse(["abcdef", "ghij"]), 8), {
    text: "abcdefgh",
    byteLength: 8,
    complete: false,
  });
});

Deno.test("readBodyPrefix reads a body of exactly the limit", async () => {
  deepStrictEqual(await readBodyPrefix(streamedResponse(["abcd", "efgh"]), 8), {
    text: "abcdefgh",
    byteLength: 8,
    complete: true,
  });
});

Deno.test("readBodyPrefix keeps the bytes before a stream failure", async () => {
  const failure = new Error("connection reset");
  deepStrictEqual(await readBodyPrefix(streamedResponse(["abc"], failure), 64), {
    text: "abc",
    byteLength: 3,
    complete: false,
    readError: failure,
  });
});

Deno.test("readBodyPrefix reads an absent body as empty", async () => {
  deepStrictEqual(await readBodyPrefix(new Response(null), 64), {
    text: "",
    byteLength: 0,
    complete: true,
  });
});

Deno.test("readTextPrefix rethrows a stream failure", async () => {
  const failure = new Error("connection reset");
  await rejects(readTextPrefix(streamedResponse(["abc"], failure), 64), failure);
});
