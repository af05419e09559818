import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  buildJsonResponse,
  hangUntilClosed,
  type StandInResponder,
  startStandInServer,
  unusedLocalUrl,
} from "../_testing/stand-in-server.ts";
import { MAX_PROVIDER_RESPONSE_BYTES } from "./provider.ts";
import {
  assertErrorResponse,
  INSTANCE_ID,
  MESSAGE_TEXT,
  PROVIDER_TOKEN,
  providerAccepts,
  RECIPIENT,
  REQUEST_ID,
  sendRequest,
  withHarness,
} from "./test-harness.ts";

Deno.test("sent message returns provider message id", async () => {
  await withHarness({}, async ({ handle, logs }) => {
    const response = await handle(sendRequest());

    strictEqual(response.status, 200);
    strictEqual(response.headers.get("x-request-id"), REQUEST_ID);
    deepStrictEqual(await response.json(), {
      status: "sent",
      messageId: "3EB0A1B2C3D4E5F6",
      requestId: REQUEST_ID,
    });
    strictEqual(logs.length, 1);
    strictEqual(logs[0]?.event, "send_text.sent");
    strictEqual(logs[0]?.recipient, "***4321");
    strictEqual(logs[0]?.tokenHash, "6ca13d52");
  });
});

Deno.test("provider receives URL, token header and body", async () => {
  await withHarness({}, async ({ provider, handle }) => {
    const response = await handle(sendRequest());
    await response.body?.cancel();

    strictEqual(provider.requests.length, 1);
    const request = provider.requests[0];
    strictEqual(request?.method, "POST");
    strictEqual(request?.url.pathname, "/send/text");
    strictEqual(request?.url.search, "");
    strictEqual(request?.headers.get("token"), PROVIDER_TOKEN);
    strictEqual(request?.headers.get("content-type"), "application/json");
    strictEqual(request?.headers.get("x-gateway-secret"), null);
    strictEqual(request?.headers.get("authorization"), null);
    deepStrictEqual(JSON.parse(request?.body ?? ""), { number: RECIPIENT, text: MESSAGE_TEXT });
  });
});

Deno.test("provider success without messageid returns null id", async () => {
  const respond = () => buildJsonResponse(200, { id: "r1", status: "Pending" });
  await withHarness({ provider: respond }, async ({ handle, logs }) => {
    const response = await handle(sendRequest());

    strictEqual(response.status, 200);
    deepStrictEqual(await response.json(), {
      status: "sent",
      messageId: null,
      requestId: REQUEST_ID,
    });
    deepStrictEqual(
      logs.map((line) => line.event),
      ["send_text.sent"],
    );
  });
});

const encoder = new TextEncoder();
const OVERSIZED_ERROR_BODY = `{"error":"${"x".repeat(MAX_PROVIDER_RESPONSE_BYTES)}"}`;

/** Sends the start of a body, then neither ends nor fails it until the stand-in closes. */
const stalledBody: StandInResponder = () =>
  new Response(
    new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode('{"messageid":"3EB0'));
      },
    }),
    { status: 200, headers: { "Content-Type": "application/json" } },
  );

interface UnreadableCase {
  description: string;
  provider: StandInResponder;
  providerStatus: number;
  reason: string;
  bodyBytes: number;
  cause?: string;
}

const unreadableCases: UnreadableCase[] = [
  {
    description: "a non-JSON body",
    provider: () => new Response("OK", { status: 200 }),
    providerStatus: 200,
    reason: "invalid_json",
    bodyBytes: 2,
  },
  {
    description: "201 and an empty body",
    provider: () => new Response(null, { status: 201 }),
    providerStatus: 201,
    reason: "empty",
    bodyBytes: 0,
  },
  {
    description: "a JSON array",
    provider: () => buildJsonResponse(200, [{ messageid: "3EB0A1B2C3D4E5F6" }]),
    providerStatus: 200,
    reason: "not_an_object",
    bodyBytes: '[{"messageid":"3EB0A1B2C3D4E5F6"}]'.length,
  },
  {
    description: "an error body past the read limit",
    provider: () => new Response(OVERSIZED_ERROR_BODY, { status: 200 }),
    providerStatus: 200,
    reason: "too_large",
    bodyBytes: MAX_PROVIDER_RESPONSE_BYTES,
  },
  {
    description: "a body cut off by the timeout",
    provider: stalledBody,
    providerStatus: 200,
    reason: "read_failed",
    bodyBytes: '{"messageid":"3EB0'.length,
    cause: "TimeoutError: The operation was aborted due to timeout",
  },
];

for (const unreadable of unreadableCases) {
  Deno.test(`provider success with ${unreadable.description} is sent and logged`, async () => {
    const options = { provider: unreadable.provider, providerTimeoutMs: 300 };
    await withHarness(options, async ({ handle, logs }) => {
      const response = await handle(sendRequest());

      strictEqual(response.status, 200);
      deepStrictEqual(await response.json(), {
        status: "sent",
        messageId: null,
        requestId: REQUEST_ID,
      });
      deepStrictEqual(
        logs.map((line) => line.event),
        ["send_text.provider_reply_unreadable", "send_text.sent"],
      );
      deepStrictEqual(logs[0], {
        level: "warn",
        event: "send_text.provider_reply_unreadable",
        requestId: REQUEST_ID,
        instanceId: INSTANCE_ID,
        tokenHash: "6ca13d52",
        recipient: "***4321",
        providerStatus: unreadable.providerStatus,
        reason: unreadable.reason,
        bodyBytes: unreadable.bodyBytes,
        cause: unreadable.cause,
      });
    });
  });
}

Deno.test("provider error body within the limit is a failure", async () => {
  const errorBody = `{"error":"${"x".repeat(1_000)}"}`;
  await withHarness({ provider: () => new Response(errorBody) }, async ({ handle }) => {
    await assertErrorResponse(await handle(sendRequest()), {
      status: 502,
      code: "provider_error",
      message: "The WhatsApp provider failed with HTTP 200. Retry the request later.",
    });
  });
});

interface FailureCase {
  description: string;
  provider: StandInResponder;
  status: number;
  code: string;
  message: string;
  retryAfter?: string;
}

const RATE_LIMITED =
  "The WhatsApp provider is rate limiting this instance. Retry after the Retry-After delay.";
const DISCONNECTED =
  "The instance's WhatsApp session is disconnected at the provider. Reconnect it, then retry.";

const failureCases: FailureCase[] = [
  {
    description: "400 for a number not on WhatsApp",
    provider: () =>
      buildJsonResponse(400, { error: "the number 5511987654321 is not on WhatsApp" }),
    status: 422,
    code: "recipient_rejected",
    message:
      "The WhatsApp provider rejected the message. Check that the number is registered on WhatsApp.",
  },
  {
    description: "401 for an invalid provider token",
    provider: () => buildJsonResponse(401, { error: "Invalid token" }),
    status: 502,
    code: "provider_auth_failed",
    message: "The WhatsApp provider rejected the instance's provider token.",
  },
  {
    description: "403",
    provider: () => buildJsonResponse(403, { error: "Forbidden" }),
    status: 502,
    code: "provider_auth_failed",
    message: "The WhatsApp provider rejected the instance's provider token.",
  },
  {
    description: "429 with Retry-After",
    provider: () => buildJsonResponse(429, { error: "slow down" }, { "Retry-After": "7" }),
    status: 429,
    code: "provider_rate_limited",
    message: RATE_LIMITED,
    retryAfter: "7",
  },
  {
    description: "429 without Retry-After",
    provider: () => buildJsonResponse(429, { error: "slow down" }),
    status: 429,
    code: "provider_rate_limited",
    message: RATE_LIMITED,
    retryAfter: "1",
  },
  {
    description: "429 with a malformed Retry-After",
    provider: () => buildJsonResponse(429, {}, { "Retry-After": "soon" }),
    status: 429,
    code: "provider_rate_limited",
    message: RATE_LIMITED,
    retryAfter: "1",
  },
  {
    description: "500",
    provider: () => buildJsonResponse(500, { error: "internal" }),
    status: 502,
    code: "provider_error",
    message: "The WhatsApp provider failed with HTTP 500. Retry the request later.",
  },
  {
    description: "404 from a wrong base URL",
    provider: () => new Response("not found", { status: 404 }),
    status: 502,
    code: "provider_error",
    message: "The WhatsApp provider failed with HTTP 404. Retry the request later.",
  },
  {
    description: "500 connection closed",
    provider: () => buildJsonResponse(500, { error: "connection closed" }),
    status: 503,
    code: "provider_disconnected",
    message: DISCONNECTED,
    retryAfter: "30",
  },
  {
    description: "503 disconnected session with Retry-After",
    provider: () =>
      buildJsonResponse(503, { error: "WhatsApp disconnected" }, { "Retry-After": "12" }),
    status: 503,
    code: "provider_disconnected",
    message: DISCONNECTED,
    retryAfter: "12",
  },
  {
    description: "200 with an error body",
    provider: () => buildJsonResponse(200, { error: true, message: "Instance disconnected" }),
    status: 503,
    code: "provider_disconnected",
    message: DISCONNECTED,
    retryAfter: "30",
  },
  {
    description: "200 with an unexplained error body",
    provider: () => buildJsonResponse(200, { error: "something failed" }),
    status: 502,
    code: "provider_error",
    message: "The WhatsApp provider failed with HTTP 200. Retry the request later.",
  },
];

for (const failure of failureCases) {
  Deno.test(`provider ${failure.description} returns ${failure.status} ${failure.code}`, async () => {
    await withHarness({ provider: failure.provider }, async ({ provider, handle, logs }) => {
      const response = await handle(sendRequest());

      strictEqual(response.headers.get("retry-after"), failure.retryAfter ?? null);
      await assertErrorResponse(response, failure);
      strictEqual(provider.requests.length, 1);
      strictEqual(logs[0]?.code, failure.code);
    });
  });
}

Deno.test("provider Retry-After as HTTP date becomes seconds", async () => {
  const retryAt = new Date(Date.now() + 90_000).toUTCString();
  const provider = () => buildJsonResponse(429, {}, { "Retry-After": retryAt });
  await withHarness({ provider }, async ({ handle }) => {
    const response = await handle(sendRequest());
    await response.body?.cancel();

    const seconds = Number(response.headers.get("retry-after"));
    strictEqual(seconds >= 89 && seconds <= 90, true, `Retry-After was ${seconds}`);
  });
});

Deno.test("provider timeout returns 504", async () => {
  await withHarness(
    { provider: hangUntilClosed, providerTimeoutMs: 50 },
    async ({ handle, logs }) => {
      const response = await handle(sendRequest());

      await assertErrorResponse(response, {
        status: 504,
        code: "provider_timeout",
        message:
          "The WhatsApp provider did not respond within 50 ms. The message may or may not have been sent.",
      });
      strictEqual(logs[0]?.level, "error");
    },
  );
});

Deno.test("provider network error returns 502", async () => {
  await withHarness({ uazapiBaseUrl: await unusedLocalUrl() }, async ({ handle, logs }) => {
    const response = await handle(sendRequest());

    await assertErrorResponse(response, {
      status: 502,
      code: "provider_unreachable",
      message: "The WhatsApp provider could not be reached. Retry the request later.",
    });
    strictEqual(logs[0]?.level, "error");
  });
});

Deno.test("provider base URL path prefix is kept", async () => {
  await withHarness({}, async ({ provider }) => {
    await withHarness({ uazapiBaseUrl: `${provider.url}/api/v2` }, async ({ handle }) => {
      const response = await handle(sendRequest());
      await response.body?.cancel();

      strictEqual(provider.requests[0]?.url.pathname, "/api/v2/send/text");
    });
  });
});

for (const status of [301, 302, 303, 307, 308]) {
  Deno.test(`provider redirect ${status} is not followed and returns 502`, async () => {
    const elsewhere = startStandInServer(providerAccepts);
    const redirect = () => new Response(null, { status, headers: { Location: elsewhere.url } });
    try {
      await withHarness({ provider: redirect }, async ({ provider, handle, logs }) => {
        const response = await handle(sendRequest());

        await assertErrorResponse(response, {
          status: 502,
          code: "provider_error",
          message: `The WhatsApp provider responded with a redirect (HTTP ${status}), which the function does not follow. Retry the request later.`,
        });
        strictEqual(provider.requests.length, 1);
        strictEqual(elsewhere.requests.length, 0);
        strictEqual(logs[0]?.event, "send_text.failed");
        strictEqual(logs[0]?.providerStatus, status);
      });
    } finally {
      await elsewhere.close();
    }
  });
}

Deno.test("provider 500 with a stalled body returns 502", async () => {
  const stalledFailure: StandInResponder = () =>
    new Response(
      new ReadableStream({
        start(controller) {
          controller.enqueue(encoder.encode('{"error":"inter'));
        },
      }),
      { status: 500 },
    );
  const options = { provider: stalledFailure, providerTimeoutMs: 300 };
  await withHarness(options, async ({ handle, logs }) => {
    await assertErrorResponse(await handle(sendRequest()), {
      status: 502,
      code: "provider_error",
      message: "The WhatsApp provider failed with HTTP 500. Retry the request later.",
    });
    strictEqual(logs[0]?.providerStatus, 500);
  });
});
