import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ServerTiming } from "../src/server-timing";
import { expectError } from "./helpers/assertions";
import {
  callGateway,
  GATEWAY_ORIGIN,
  sendTextRequest,
  TEST_ADMIN_SECRET,
  TEST_GATEWAY_SECRET,
  TEST_SERVICE_ROLE_KEY,
  testEnv,
} from "./helpers/gateway";
import { cacheKeyOf } from "./helpers/kv";
import { useGatewayTest } from "./helpers/setup";
import { answerSent, INSTANCE_ROWS } from "./helpers/upstream";

const t = useGatewayTest();

const TOKEN = "abc123";

function serverTiming(response: Response): string | null {
  return response.headers.get("Server-Timing");
}

/** Asserts that no token or secret of the tests appears in the header. */
function expectNoSecrets(header: string | null): void {
  for (const secret of [TOKEN, TEST_ADMIN_SECRET, TEST_GATEWAY_SECRET, TEST_SERVICE_ROLE_KEY]) {
    expect(header).not.toContain(secret);
  }
}

describe("Server-Timing header", () => {
  it("reports a memory hit without db", async () => {
    const gatewayEnv = testEnv();
    await callGateway(sendTextRequest({ token: TOKEN }), gatewayEnv);

    const response = await callGateway(sendTextRequest({ token: TOKEN }), gatewayEnv);

    expect(response.status).toBe(200);
    expect(serverTiming(response)).toMatch(
      /^cache;desc="memory";dur=\d+, upstream;dur=\d+, total;dur=\d+$/,
    );
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expectNoSecrets(serverTiming(response));
  });

  it("reports a KV hit without db", async () => {
    const cached = { version: 1, instance: INSTANCE_ROWS.abc123 };
    await env.TOKEN_CACHE.put(await cacheKeyOf(TOKEN), JSON.stringify(cached));

    const response = await callGateway(sendTextRequest({ token: TOKEN }));

    expect(response.status).toBe(200);
    expect(serverTiming(response)).toMatch(
      /^cache;desc="kv";dur=\d+, upstream;dur=\d+, total;dur=\d+$/,
    );
    expect(t.upstream.postgrestCalls()).toHaveLength(0);
    expectNoSecrets(serverTiming(response));
  });

  it("reports a miss with the database query", async () => {
    const response = await callGateway(sendTextRequest({ token: TOKEN }));

    expect(response.status).toBe(200);
    expect(serverTiming(response)).toMatch(
      /^cache;desc="miss";dur=\d+, db;dur=\d+, upstream;dur=\d+, total;dur=\d+$/,
    );
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expectNoSecrets(serverTiming(response));
  });

  it("reports the database on a failed lookup", async () => {
    t.upstream.onPostgrest(() => new Response("upstream connect error", { status: 503 }));

    const response = await callGateway(sendTextRequest({ token: TOKEN }));

    await expectError(response, 503, "database_unavailable");
    expect(serverTiming(response)).toMatch(
      /^cache;desc="miss";dur=\d+, db;dur=\d+, total;dur=\d+$/,
    );
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });

  it("reports the function on a relayed error", async () => {
    t.upstream.onSendText((call) =>
      Response.json(
        {
          error: { code: "recipient_rejected", message: "The WhatsApp provider rejected it." },
          requestId: call.headers.get("X-Request-ID"),
        },
        { status: 422 },
      ),
    );

    const response = await callGateway(sendTextRequest({ token: TOKEN }));

    await expectError(response, 422, "recipient_rejected");
    expect(serverTiming(response)).toMatch(
      /^cache;desc="miss";dur=\d+, db;dur=\d+, upstream;dur=\d+, total;dur=\d+$/,
    );
  });

  it("reports only total for a rejected token", async () => {
    const token = "bad token";

    const response = await callGateway(sendTextRequest({ token }));

    await expectError(response, 401, "invalid_token");
    expect(serverTiming(response)).toMatch(/^total;dur=\d+$/);
    expect(serverTiming(response)).not.toContain("bad");
  });

  it("reports only total for a route without lookups", async () => {
    const response = await callGateway(new Request(`${GATEWAY_ORIGIN}/health`));

    expect(response.status).toBe(200);
    expect(serverTiming(response)).toMatch(/^total;dur=\d+$/);
  });

  it("reports only total for a misconfigured gateway", async () => {
    const response = await callGateway(
      new Request(`${GATEWAY_ORIGIN}/health`),
      testEnv({ GATEWAY_SHARED_SECRET: undefined }),
    );

    await expectError(response, 500, "gateway_misconfigured");
    expect(serverTiming(response)).toMatch(/^total;dur=\d+$/);
  });

  it("measures the wait for the function", async () => {
    const delayMs = 50;
    t.upstream.onSendText(async (call) => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return answerSent(call, undefined);
    });

    const response = await callGateway(sendTextRequest({ token: TOKEN }));

    const header = serverTiming(response) ?? "";
    const upstreamMs = Number(/upstream;dur=(\d+)/.exec(header)?.[1]);
    const totalMs = Number(/total;dur=(\d+)/.exec(header)?.[1]);
    expect(upstreamMs).toBeGreaterThanOrEqual(delayMs);
    expect(totalMs).toBeGreaterThanOrEqual(upstreamMs);
  });
});

describe("ServerTiming", () => {
  it("formats metrics in order with total last", () => {
    const timing = new ServerTiming();
    timing.record("cache", 1.4, "miss");
    timing.record("db", 12.6);
    timing.record("upstream", 300);

    expect(timing.toHeaderValue(315.2)).toBe(
      'cache;desc="miss";dur=1, db;dur=13, upstream;dur=300, total;dur=315',
    );
  });

  it("clamps a negative duration to zero", () => {
    const timing = new ServerTiming();
    timing.record("db", -3);

    expect(timing.toHeaderValue(-1)).toBe("db;dur=0, total;dur=0");
  });
});
