import { match, strictEqual } from "node:assert/strict";
import {
  assertErrorResponse,
  GATEWAY_SECRET,
  REQUEST_ID,
  sendRequest,
  withHarness,
} from "./test-harness.ts";

const WRONG_SECRET_MESSAGE = "The X-Gateway-Secret header is missing or wrong.";

const rejectedSecrets: Array<[string, string | null]> = [
  ["missing", null],
  ["wrong", "not-the-gateway-secret"],
  ["differently cased", GATEWAY_SECRET.toUpperCase()],
  ["empty", ""],
  ["prefix of the secret", GATEWAY_SECRET.slice(0, -1)],
  ["secret with a suffix", `${GATEWAY_SECRET}x`],
];

for (const [description, secret] of rejectedSecrets) {
  Deno.test(`gateway secret ${description} is rejected`, async () => {
    await withHarness({}, async ({ postgrest, provider, handle }) => {
      const response = await handle(sendRequest({ headers: { "X-Gateway-Secret": secret } }));

      await assertErrorResponse(response, {
        status: 401,
        code: "invalid_gateway_secret",
        message: WRONG_SECRET_MESSAGE,
      });
      strictEqual(postgrest.requests.length, 0);
      strictEqual(provider.requests.length, 0);
    });
  });
}

Deno.test("gateway secret header name is case-insensitive", async () => {
  await withHarness({}, async ({ handle }) => {
    const request = sendRequest({ headers: { "X-Gateway-Secret": null } });
    request.headers.set("x-gateway-secret", GATEWAY_SECRET);

    const response = await handle(request);

    strictEqual(response.status, 200);
    await response.body?.cancel();
  });
});

for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
  Deno.test(`method ${method} is rejected with 405`, async () => {
    await withHarness({}, async ({ postgrest, provider, handle }) => {
      const response = await handle(sendRequest({ method }));

      strictEqual(response.headers.get("allow"), "POST");
      await assertErrorResponse(response, {
        status: 405,
        code: "method_not_allowed",
        message: `Method ${method} is not allowed on this function. Use POST.`,
      });
      strictEqual(postgrest.requests.length, 0);
      strictEqual(provider.requests.length, 0);
    });
  });
}

Deno.test("request id is reused when well formed", async () => {
  await withHarness({}, async ({ handle, logs }) => {
    const response = await handle(sendRequest());

    strictEqual(response.headers.get("x-request-id"), REQUEST_ID);
    strictEqual((await response.json()).requestId, REQUEST_ID);
    strictEqual(logs[0]?.requestId, REQUEST_ID);
  });
});

for (const [description, incoming] of [
  ["missing", null],
  ["too long", "a".repeat(65)],
  ["with a space", "bad id"],
  ["with a slash", "a/b"],
] as const) {
  Deno.test(`request id ${description} is replaced by a UUID`, async () => {
    await withHarness({}, async ({ handle }) => {
      const response = await handle(sendRequest({ headers: { "X-Request-ID": incoming } }));
      const requestId = response.headers.get("x-request-id") ?? "";

      match(requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      strictEqual((await response.json()).requestId, requestId);
    });
  });
}
