import { strictEqual } from "node:assert/strict";
import { MAX_BODY_BYTES } from "./request.ts";
import { assertErrorResponse, RECIPIENT, sendRequest, withHarness } from "./test-harness.ts";

const rejectedInstanceIds: Array<[string, string | null, string]> = [
  ["missing", null, "The X-Instance-ID header is missing."],
  ["empty", "", "The X-Instance-ID header is missing."],
  ["not a UUID", "vendas", "The X-Instance-ID header must be a UUID."],
  [
    "a UUID with a suffix",
    "00000000-0000-4000-8000-00000000b001x",
    "The X-Instance-ID header must be a UUID.",
  ],
  ["a quoted PostgREST filter", "eq.1&select=*", "The X-Instance-ID header must be a UUID."],
];

for (const [description, instanceId, message] of rejectedInstanceIds) {
  Deno.test(`instance id ${description} is rejected`, async () => {
    await withHarness({}, async ({ postgrest, provider, handle }) => {
      const response = await handle(sendRequest({ headers: { "X-Instance-ID": instanceId } }));

      await assertErrorResponse(response, { status: 400, code: "invalid_instance_id", message });
      strictEqual(postgrest.requests.length, 0);
      strictEqual(provider.requests.length, 0);
    });
  });
}

Deno.test("token header missing is rejected", async () => {
  await withHarness({}, async ({ postgrest, provider, handle }) => {
    const response = await handle(sendRequest({ headers: { token: null } }));

    await assertErrorResponse(response, {
      status: 401,
      code: "invalid_token",
      message: "The token header is missing.",
    });
    strictEqual(postgrest.requests.length, 0);
    strictEqual(provider.requests.length, 0);
  });
});

const rejectedBodies: Array<[string, string, string, string]> = [
  ["empty", "", "invalid_json", "The request body must be valid JSON."],
  ["not JSON", "number=1", "invalid_json", "The request body must be valid JSON."],
  ["truncated JSON", '{"number": "1"', "invalid_json", "The request body must be valid JSON."],
  ["null", "null", "invalid_body", "The request body must be a JSON object."],
  ["an array", "[]", "invalid_body", "The request body must be a JSON object."],
  ["a string", '"hi"', "invalid_body", "The request body must be a JSON object."],
  ["without number", '{"text":"hi"}', "invalid_body", 'The field "number" is missing.'],
  [
    "with null number",
    '{"number":null,"text":"hi"}',
    "invalid_body",
    'The field "number" is missing.',
  ],
  [
    "with numeric number",
    '{"number":5511,"text":"hi"}',
    "invalid_body",
    'The field "number" must be a string.',
  ],
  [
    "with blank number",
    '{"number":"  ","text":"hi"}',
    "invalid_body",
    'The field "number" must not be blank.',
  ],
  ["without text", `{"number":"${RECIPIENT}"}`, "invalid_body", 'The field "text" is missing.'],
  [
    "with object text",
    `{"number":"${RECIPIENT}","text":{}}`,
    "invalid_body",
    'The field "text" must be a string.',
  ],
  [
    "with empty text",
    `{"number":"${RECIPIENT}","text":""}`,
    "invalid_body",
    'The field "text" must not be blank.',
  ],
];

for (const [description, body, code, message] of rejectedBodies) {
  Deno.test(`body ${description} is rejected`, async () => {
    await withHarness({}, async ({ postgrest, provider, handle }) => {
      const response = await handle(sendRequest({ body }));

      await assertErrorResponse(response, { status: 400, code, message });
      strictEqual(postgrest.requests.length, 0);
      strictEqual(provider.requests.length, 0);
    });
  });
}

Deno.test("body over the size limit is rejected", async () => {
  await withHarness({}, async ({ postgrest, provider, handle }) => {
    const text = "x".repeat(MAX_BODY_BYTES);
    const response = await handle(
      sendRequest({ body: JSON.stringify({ number: RECIPIENT, text }) }),
    );

    await assertErrorResponse(response, {
      status: 413,
      code: "payload_too_large",
      message: `The request body must be at most ${MAX_BODY_BYTES} bytes.`,
    });
    strictEqual(postgrest.requests.length, 0);
    strictEqual(provider.requests.length, 0);
  });
});

Deno.test("text of 65,536 escaped characters is accepted", async () => {
  await withHarness({}, async ({ provider, handle }) => {
    const text = "\u0001".repeat(65_536);
    const response = await handle(
      sendRequest({ body: JSON.stringify({ number: RECIPIENT, text }) }),
    );

    strictEqual(response.status, 200);
    await response.body?.cancel();
    strictEqual(JSON.parse(provider.requests[0]?.body ?? "{}").text, text);
  });
});
