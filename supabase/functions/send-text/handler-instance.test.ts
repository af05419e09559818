import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { buildJsonResponse, hangUntilClosed, unusedLocalUrl } from "../_testing/stand-in-server.ts";
import {
  assertErrorResponse,
  INSTANCE_ID,
  instanceRow,
  respondWithRows,
  SERVICE_ROLE_KEY,
  sendRequest,
  withHarness,
} from "./test-harness.ts";

const INVALID_TOKEN_MESSAGE = "The token is not valid for this instance.";

Deno.test("instance is re-read with the service role key", async () => {
  await withHarness({}, async ({ postgrest, handle }) => {
    const response = await handle(sendRequest());
    await response.body?.cancel();

    strictEqual(postgrest.requests.length, 1);
    const request = postgrest.requests[0];
    strictEqual(request?.method, "GET");
    strictEqual(request?.url.pathname, "/rest/v1/whatsapp_instances");
    deepStrictEqual(
      [...(request?.url.searchParams ?? [])],
      [
        ["select", "id,status,instance_token,provider_token"],
        ["id", `eq.${INSTANCE_ID}`],
        ["limit", "2"],
      ],
    );
    strictEqual(request?.headers.get("apikey"), SERVICE_ROLE_KEY);
    strictEqual(request?.headers.get("authorization"), `Bearer ${SERVICE_ROLE_KEY}`);
  });
});

Deno.test("unknown instance is rejected as invalid token", async () => {
  await withHarness({ postgrest: respondWithRows([]) }, async ({ provider, handle }) => {
    const response = await handle(sendRequest());

    await assertErrorResponse(response, {
      status: 401,
      code: "invalid_token",
      message: INVALID_TOKEN_MESSAGE,
    });
    strictEqual(provider.requests.length, 0);
  });
});

for (const [description, token] of [
  ["another instance's token", "def456"],
  ["a differently cased token", "ABC123"],
  ["a prefix of the token", "abc12"],
] as const) {
  Deno.test(`token mismatch with ${description} is rejected`, async () => {
    await withHarness({}, async ({ provider, handle, logs }) => {
      const response = await handle(sendRequest({ headers: { token } }));

      await assertErrorResponse(response, {
        status: 401,
        code: "invalid_token",
        message: INVALID_TOKEN_MESSAGE,
      });
      strictEqual(provider.requests.length, 0);
      strictEqual(logs[0]?.code, "invalid_token");
      strictEqual(logs[0]?.level, "warn");
    });
  });
}

for (const status of ["disconnected", "connecting"]) {
  Deno.test(`${status} instance is rejected`, async () => {
    const rows = [instanceRow({ status })];
    await withHarness({ postgrest: respondWithRows(rows) }, async ({ provider, handle, logs }) => {
      const response = await handle(sendRequest());

      await assertErrorResponse(response, {
        status: 401,
        code: "instance_disconnected",
        message: "Instance is disconnected",
      });
      strictEqual(provider.requests.length, 0);
      strictEqual(logs[0]?.instanceStatus, status);
    });
  });
}

const DATABASE_UNAVAILABLE = {
  status: 503,
  code: "database_unavailable",
  message: "The database is unavailable. Retry the request later.",
};

for (const status of [500, 502, 503]) {
  Deno.test(`PostgREST ${status} returns 503 with Retry-After`, async () => {
    const postgrest = () => buildJsonResponse(status, { message: "boom" });
    await withHarness({ postgrest }, async ({ provider, handle, logs }) => {
      const response = await handle(sendRequest());

      strictEqual(response.headers.get("retry-after"), "1");
      await assertErrorResponse(response, DATABASE_UNAVAILABLE);
      strictEqual(provider.requests.length, 0);
      strictEqual(logs[0]?.level, "error");
    });
  });
}

Deno.test("PostgREST timeout returns 503 with Retry-After", async () => {
  const options = { postgrest: hangUntilClosed, postgrestTimeoutMs: 50 };
  await withHarness(options, async ({ provider, handle, logs }) => {
    const response = await handle(sendRequest());

    strictEqual(response.headers.get("retry-after"), "1");
    await assertErrorResponse(response, DATABASE_UNAVAILABLE);
    strictEqual(provider.requests.length, 0);
    strictEqual(logs[0]?.cause, "PostgrestError: PostgREST request timed out after 50 ms.");
  });
});

Deno.test("PostgREST unreachable returns 503 with Retry-After", async () => {
  const options = { supabaseUrl: await unusedLocalUrl() };
  await withHarness(options, async ({ provider, handle, logs }) => {
    const response = await handle(sendRequest());

    strictEqual(response.headers.get("retry-after"), "1");
    await assertErrorResponse(response, DATABASE_UNAVAILABLE);
    strictEqual(provider.requests.length, 0);
    strictEqual(logs[0]?.level, "error");
  });
});

for (const status of [401, 403]) {
  Deno.test(`PostgREST ${status} returns 500 gateway_misconfigured`, async () => {
    const postgrest = () => buildJsonResponse(status, { message: "Invalid API key" });
    await withHarness({ postgrest }, async ({ provider, handle }) => {
      const response = await handle(sendRequest());

      await assertErrorResponse(response, {
        status: 500,
        code: "gateway_misconfigured",
        message: "The send-text function is misconfigured and cannot read instances.",
      });
      strictEqual(provider.requests.length, 0);
    });
  });
}

const INTERNAL_ERROR = {
  status: 500,
  code: "internal_error",
  message: "The send-text function failed unexpectedly.",
};

for (const [description, respond] of [
  ["two rows", () => buildJsonResponse(200, [instanceRow(), instanceRow()])],
  [
    "a row without provider_token",
    () => buildJsonResponse(200, [instanceRow({ provider_token: null })]),
  ],
  ["an object instead of rows", () => buildJsonResponse(200, instanceRow())],
  ["invalid JSON", () => new Response("<html>", { status: 200 })],
  ["HTTP 400", () => buildJsonResponse(400, { code: "42703", message: "column does not exist" })],
] as const) {
  Deno.test(`PostgREST returning ${description} fails closed`, async () => {
    await withHarness({ postgrest: respond }, async ({ provider, handle, logs }) => {
      const response = await handle(sendRequest());

      await assertErrorResponse(response, INTERNAL_ERROR);
      strictEqual(provider.requests.length, 0);
      strictEqual(logs[0]?.level, "error");
    });
  });
}
