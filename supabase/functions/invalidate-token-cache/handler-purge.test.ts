import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { hashTokenForLog } from "../_shared/hash.ts";
import {
  buildJsonResponse,
  hangUntilClosed,
  type StandInResponder,
  unusedLocalUrl,
} from "../_testing/stand-in-server.ts";
import {
  ADMIN_SECRET,
  assertErrorResponse,
  INSTANCE_TOKEN,
  instanceRow,
  REQUEST_ID,
  ROTATED_TOKEN,
  webhookPayload,
  webhookRequest,
  withHarness,
} from "./test-harness.ts";

/** The function must respond to the webhook within a second, even when the Worker hangs. */
const MAX_RESPONSE_MS = 1_000;

const rotation = webhookPayload("UPDATE", {
  oldRecord: instanceRow(),
  record: instanceRow({ instance_token: ROTATED_TOKEN }),
});

Deno.test("purge request has URL, headers and body", async () => {
  await withHarness({}, async ({ worker, handle }) => {
    const response = await handle(webhookRequest({ body: JSON.stringify(rotation) }));
    await response.body?.cancel();

    strictEqual(worker.requests.length, 1);
    const request = worker.requests[0];
    strictEqual(request?.method, "POST");
    strictEqual(request?.url.pathname, "/admin/cache/purge");
    strictEqual(request?.url.search, "");
    strictEqual(request?.headers.get("authorization"), `Bearer ${ADMIN_SECRET}`);
    strictEqual(request?.headers.get("content-type"), "application/json");
    strictEqual(request?.headers.get("x-request-id"), REQUEST_ID);
    strictEqual(request?.headers.get("x-webhook-secret"), null);
    deepStrictEqual(JSON.parse(request?.body ?? ""), { tokens: [INSTANCE_TOKEN, ROTATED_TOKEN] });
  });
});

Deno.test("rotation returns the Worker's purge count", async () => {
  await withHarness({}, async ({ handle, logs }) => {
    const response = await handle(webhookRequest({ body: JSON.stringify(rotation) }));

    strictEqual(response.status, 200);
    strictEqual(response.headers.get("x-request-id"), REQUEST_ID);
    strictEqual(response.headers.get("content-type"), "application/json; charset=utf-8");
    deepStrictEqual(await response.json(), { purged: 2, requestId: REQUEST_ID });
    strictEqual(logs.length, 1);
    strictEqual(logs[0]?.level, "info");
    strictEqual(logs[0]?.event, "invalidate_token_cache.purged");
    strictEqual(logs[0]?.eventType, "UPDATE");
    strictEqual(logs[0]?.tokenCount, 2);
    const hashes = [await hashTokenForLog(INSTANCE_TOKEN), await hashTokenForLog(ROTATED_TOKEN)];
    strictEqual(logs[0]?.tokenHashes, hashes.join(","));
    strictEqual(logs[0]?.gatewayStatus, 200);
  });
});

for (const [type, payload, tokens] of [
  ["INSERT", webhookPayload("INSERT"), [INSTANCE_TOKEN]],
  ["status-only UPDATE", webhookPayload("UPDATE"), [INSTANCE_TOKEN]],
  ["DELETE", webhookPayload("DELETE"), [INSTANCE_TOKEN]],
] as const) {
  Deno.test(`${type} purges one token`, async () => {
    await withHarness({}, async ({ worker, handle }) => {
      const response = await handle(webhookRequest({ body: JSON.stringify(payload) }));

      strictEqual(response.status, 200);
      deepStrictEqual(await response.json(), { purged: 1, requestId: REQUEST_ID });
      deepStrictEqual(JSON.parse(worker.requests[0]?.body ?? ""), { tokens });
    });
  });
}

Deno.test("duplicate delivery purges again harmlessly", async () => {
  await withHarness({}, async ({ worker, handle }) => {
    const body = JSON.stringify(rotation);

    const first = await handle(webhookRequest({ body }));
    const second = await handle(webhookRequest({ body }));

    strictEqual(first.status, 200);
    strictEqual(second.status, 200);
    deepStrictEqual(await first.json(), { purged: 2, requestId: REQUEST_ID });
    deepStrictEqual(await second.json(), { purged: 2, requestId: REQUEST_ID });
    strictEqual(worker.requests.length, 2);
    strictEqual(worker.requests[1]?.body, worker.requests[0]?.body);
  });
});

interface FailureCase {
  description: string;
  worker?: StandInResponder;
  closedPort?: boolean;
  message: string;
  cause: string;
}

const failures: FailureCase[] = [
  {
    description: "Worker 401",
    worker: () =>
      buildJsonResponse(401, {
        error: { code: "invalid_admin_secret", message: "The admin secret is wrong." },
        requestId: REQUEST_ID,
      }),
    message:
      "The gateway rejected the admin secret. Check that ADMIN_SECRET matches the Worker's ADMIN_SECRET.",
    cause: "Error: The gateway returned HTTP 401 with error code invalid_admin_secret.",
  },
  {
    description: "Worker 500",
    worker: () => new Response("Internal Server Error", { status: 500 }),
    message: "The gateway's cache purge failed with HTTP 500.",
    cause: "Error: The gateway returned HTTP 500.",
  },
  {
    // A redirect is not followed: the Authorization header must not travel to another URL.
    description: "Worker 302 redirect",
    worker: () =>
      new Response(null, { status: 302, headers: { Location: "http://127.0.0.1:9/elsewhere" } }),
    message: "The gateway's cache purge failed with HTTP 302.",
    cause: "Error: The gateway returned HTTP 302.",
  },
  {
    description: "Worker 503 admin_disabled",
    worker: () => buildJsonResponse(503, { error: { code: "admin_disabled", message: "off" } }),
    message: "The gateway's cache purge failed with HTTP 503.",
    cause: "Error: The gateway returned HTTP 503 with error code admin_disabled.",
  },
  {
    description: "Worker 200 without a count",
    worker: () => new Response("<html>ok</html>", { status: 200 }),
    message: "The gateway returned no purge count for the cache purge.",
    cause: "Error: The gateway returned HTTP 200.",
  },
  {
    description: "Worker 200 with a negative count",
    worker: () => buildJsonResponse(200, { purged: -1, keys: [] }),
    message: "The gateway returned no purge count for the cache purge.",
    cause: "Error: The gateway returned HTTP 200.",
  },
  {
    description: "Worker unreachable",
    closedPort: true,
    message: "The gateway could not be reached for the cache purge. Check GATEWAY_URL.",
    cause: "TypeError:",
  },
  {
    description: "Worker slower than the timeout",
    worker: hangUntilClosed,
    message: "The gateway's cache purge timed out after 800 ms.",
    cause: "TimeoutError:",
  },
];

for (const failure of failures) {
  Deno.test(`${failure.description} returns 502 purge_failed`, async () => {
    const gatewayUrl = failure.closedPort ? await unusedLocalUrl() : undefined;
    await withHarness({ worker: failure.worker, gatewayUrl }, async ({ handle, logs }) => {
      const startedAt = performance.now();

      const response = await handle(webhookRequest({ body: JSON.stringify(rotation) }));

      ok(performance.now() - startedAt < MAX_RESPONSE_MS, "the response took a second or longer");
      await assertErrorResponse(response, {
        status: 502,
        code: "purge_failed",
        message: failure.message,
      });
      strictEqual(logs.length, 1);
      strictEqual(logs[0]?.level, "error");
      strictEqual(logs[0]?.event, "invalidate_token_cache.failed");
      strictEqual(logs[0]?.tokenCount, 2);
      ok(String(logs[0]?.cause).startsWith(failure.cause), `cause was ${logs[0]?.cause}`);
    });
  });
}

Deno.test("Worker slow body counts as a timeout", async () => {
  const worker: StandInResponder = (_request, hang) => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode('{"purged":'));
        await hang();
        controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { "Content-Type": "application/json" } });
  };
  await withHarness({ worker, purgeTimeoutMs: 100 }, async ({ handle }) => {
    const response = await handle(webhookRequest());

    await assertErrorResponse(response, {
      status: 502,
      code: "purge_failed",
      message: "The gateway's cache purge timed out after 100 ms.",
    });
  });
});
