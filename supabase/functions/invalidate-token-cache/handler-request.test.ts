import { match, strictEqual } from "node:assert/strict";
import { MAX_BODY_BYTES } from "./handler.ts";
import {
  assertErrorResponse,
  instanceRow,
  REQUEST_ID,
  WEBHOOK_SECRET,
  webhookPayload,
  webhookRequest,
  withHarness,
} from "./test-harness.ts";

const WRONG_SECRET_MESSAGE = "The X-Webhook-Secret header is missing or wrong.";

const rejectedSecrets: Array<[string, string | null]> = [
  ["missing", null],
  ["wrong", "not-the-webhook-secret"],
  ["differently cased", WEBHOOK_SECRET.toUpperCase()],
  ["empty", ""],
  ["prefix of the secret", WEBHOOK_SECRET.slice(0, -1)],
];

for (const [description, secret] of rejectedSecrets) {
  Deno.test(`webhook secret ${description} is rejected`, async () => {
    await withHarness({}, async ({ worker, handle, logs }) => {
      const response = await handle(webhookRequest({ headers: { "X-Webhook-Secret": secret } }));

      await assertErrorResponse(response, {
        status: 401,
        code: "invalid_webhook_secret",
        message: WRONG_SECRET_MESSAGE,
      });
      strictEqual(worker.requests.length, 0);
      strictEqual(logs[0]?.level, "warn");
    });
  });
}

Deno.test("webhook secret is checked before the body", async () => {
  await withHarness({}, async ({ worker, handle }) => {
    const request = webhookRequest({ headers: { "X-Webhook-Secret": null }, body: "{" });

    const response = await handle(request);

    await assertErrorResponse(response, {
      status: 401,
      code: "invalid_webhook_secret",
      message: WRONG_SECRET_MESSAGE,
    });
    strictEqual(worker.requests.length, 0);
  });
});

for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
  Deno.test(`method ${method} is rejected with 405`, async () => {
    await withHarness({}, async ({ worker, handle }) => {
      const response = await handle(webhookRequest({ method }));

      strictEqual(response.headers.get("allow"), "POST");
      await assertErrorResponse(response, {
        status: 405,
        code: "method_not_allowed",
        message: `Method ${method} is not allowed on this function. Use POST.`,
      });
      strictEqual(worker.requests.length, 0);
    });
  });
}

function payloadWith(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...webhookPayload("UPDATE"), ...changes });
}

const rejectedPayloads: Array<[string, string, string]> = [
  ["empty", "", "The request body must be valid JSON."],
  ["not JSON", "type=INSERT", "The request body must be valid JSON."],
  ["truncated JSON", '{"type":"INSERT"', "The request body must be valid JSON."],
  ["null", "null", "The request body must be a JSON object."],
  ["an array", "[]", "The request body must be a JSON object."],
  ["a string", '"UPDATE"', "The request body must be a JSON object."],
  ["without type", payloadWith({ type: undefined }), 'The field "type" is missing.'],
  [
    "with an unknown type",
    payloadWith({ type: "TRUNCATE" }),
    'The field "type" must be "INSERT", "UPDATE" or "DELETE".',
  ],
  [
    "with a lower-case type",
    payloadWith({ type: "update" }),
    'The field "type" must be "INSERT", "UPDATE" or "DELETE".',
  ],
  [
    "with a numeric type",
    payloadWith({ type: 1 }),
    'The field "type" must be "INSERT", "UPDATE" or "DELETE".',
  ],
  ["without table", payloadWith({ table: null }), 'The field "table" is missing.'],
  [
    "of another table",
    payloadWith({ table: "profiles" }),
    'The field "table" must be "whatsapp_instances".',
  ],
  ["without schema", payloadWith({ schema: undefined }), 'The field "schema" is missing.'],
  ["of another schema", payloadWith({ schema: "auth" }), 'The field "schema" must be "public".'],
  [
    "of INSERT without record",
    JSON.stringify({ ...webhookPayload("INSERT"), record: null }),
    'The field "record" must be an object when "type" is "INSERT".',
  ],
  [
    "of UPDATE with an array record",
    payloadWith({ record: [instanceRow()] }),
    'The field "record" must be an object when "type" is "UPDATE".',
  ],
  [
    "of UPDATE without old_record",
    payloadWith({ old_record: undefined }),
    'The field "old_record" must be an object when "type" is "UPDATE".',
  ],
  [
    "of DELETE without old_record",
    JSON.stringify({ ...webhookPayload("DELETE"), old_record: null }),
    'The field "old_record" must be an object when "type" is "DELETE".',
  ],
  [
    "with a numeric token",
    payloadWith({ record: instanceRow({ instance_token: 123456 }) }),
    'The field "record.instance_token" must be a string.',
  ],
  [
    "with an object token",
    payloadWith({ old_record: instanceRow({ instance_token: { value: "abc123" } }) }),
    'The field "old_record.instance_token" must be a string.',
  ],
  [
    "with a null token",
    payloadWith({ old_record: instanceRow({ instance_token: null }) }),
    'The field "old_record.instance_token" is missing.',
  ],
  [
    "with an empty token",
    payloadWith({ record: instanceRow({ instance_token: "" }) }),
    'The field "record.instance_token" must be 1 to 256 printable ASCII characters without white space.',
  ],
  [
    "with a token containing a space",
    payloadWith({ record: instanceRow({ instance_token: "abc 123" }) }),
    'The field "record.instance_token" must be 1 to 256 printable ASCII characters without white space.',
  ],
  [
    "with a 257-character token",
    payloadWith({ record: instanceRow({ instance_token: "a".repeat(257) }) }),
    'The field "record.instance_token" must be 1 to 256 printable ASCII characters without white space.',
  ],
];

for (const [description, body, message] of rejectedPayloads) {
  Deno.test(`payload ${description} is rejected`, async () => {
    await withHarness({}, async ({ worker, handle, logs }) => {
      const response = await handle(webhookRequest({ body }));

      await assertErrorResponse(response, { status: 400, code: "invalid_payload", message });
      strictEqual(worker.requests.length, 0);
      strictEqual(logs[0]?.code, "invalid_payload");
    });
  });
}

Deno.test("payload over the size limit is rejected", async () => {
  await withHarness({}, async ({ worker, handle }) => {
    const record = instanceRow({ name: "x".repeat(MAX_BODY_BYTES) });
    const body = JSON.stringify(webhookPayload("INSERT", { record }));

    const response = await handle(webhookRequest({ body }));

    await assertErrorResponse(response, {
      status: 413,
      code: "payload_too_large",
      message: `The request body must be at most ${MAX_BODY_BYTES} bytes.`,
    });
    strictEqual(worker.requests.length, 0);
  });
});

Deno.test("request id is reused when well formed", async () => {
  await withHarness({}, async ({ worker, handle, logs }) => {
    const response = await handle(webhookRequest());

    strictEqual(response.headers.get("x-request-id"), REQUEST_ID);
    strictEqual((await response.json()).requestId, REQUEST_ID);
    strictEqual(worker.requests[0]?.headers.get("x-request-id"), REQUEST_ID);
    strictEqual(logs[0]?.requestId, REQUEST_ID);
  });
});

Deno.test("request id that is malformed is replaced by a UUID", async () => {
  await withHarness({}, async ({ worker, handle }) => {
    const response = await handle(webhookRequest({ headers: { "X-Request-ID": "bad id" } }));
    const requestId = response.headers.get("x-request-id") ?? "";

    match(requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    strictEqual((await response.json()).requestId, requestId);
    strictEqual(worker.requests[0]?.headers.get("x-request-id"), requestId);
  });
});
