import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest, testEnv } from "./helpers/gateway";
import { cacheKeyOf } from "./helpers/kv";
import { useGatewayTest } from "./helpers/setup";
import {
  answerFromInstanceRows,
  hangUntilAborted,
  INSTANCE_ROWS,
  type UpstreamHandler,
} from "./helpers/upstream";

const t = useGatewayTest();

const UNAVAILABLE = "The instance database is unavailable; retry in a few seconds";
const MISCONFIGURED =
  "The gateway is misconfigured; its operator has to fix the deployment settings";

// A short timeout keeps the slow case fast. The stub never responds, so the timeout always fires.
const SHORT_TIMEOUT_ENV = { POSTGREST_TIMEOUT_MS: "30" };

interface DatabaseFault {
  handler: UpstreamHandler;
  status: number;
  code: string;
  message: string;
  retryAfter: string | null;
}

const unavailable = (handler: UpstreamHandler): DatabaseFault => ({
  handler,
  status: 503,
  code: "database_unavailable",
  message: UNAVAILABLE,
  retryAfter: "2",
});

const FAULTS: Array<[string, DatabaseFault]> = [
  ["slow past the timeout", unavailable(hangUntilAborted)],
  ["500", unavailable(() => Response.json({ message: "internal" }, { status: 500 }))],
  ["invalid JSON", unavailable(() => new Response('[{"id": "00000000-', { status: 200 }))],
  [
    "connection refused",
    unavailable(() => Promise.reject(new TypeError("connect ECONNREFUSED 127.0.0.1:54321"))),
  ],
  [
    "401",
    {
      handler: () => Response.json({ message: "Invalid API key" }, { status: 401 }),
      status: 500,
      code: "gateway_misconfigured",
      message: MISCONFIGURED,
      retryAfter: null,
    },
  ],
];

describe("database faults", () => {
  it.each(FAULTS)("PostgREST %s, then recovery", async (_case, fault) => {
    const gatewayEnv = testEnv(SHORT_TIMEOUT_ENV);
    t.upstream.onPostgrest(fault.handler);

    const failed = await callGateway(sendTextRequest({ token: "abc123" }), gatewayEnv);

    expect(failed.headers.get("Retry-After")).toBe(fault.retryAfter);
    await expectError(failed, fault.status, fault.code, fault.message);
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
    expect(await env.TOKEN_CACHE.get(await cacheKeyOf("abc123"))).toBeNull();

    t.upstream.onPostgrest(answerFromInstanceRows);
    const recovered = await callGateway(sendTextRequest({ token: "abc123" }), gatewayEnv);

    expect(recovered.status).toBe(200);
    expect(t.upstream.postgrestCalls()).toHaveLength(2);
    expect(t.upstream.sendTextCalls()).toHaveLength(1);
    const cached = JSON.parse((await env.TOKEN_CACHE.get(await cacheKeyOf("abc123"))) ?? "null");
    expect(cached).toEqual({ version: 1, instance: INSTANCE_ROWS.abc123 });
  });

  it("concurrent requests share one failed lookup", async () => {
    const gatewayEnv = testEnv(SHORT_TIMEOUT_ENV);
    t.upstream.onPostgrest(hangUntilAborted);
    const burst = () =>
      Promise.all(Array.from({ length: 5 }, () => callGateway(sendTextRequest(), gatewayEnv)));

    const failed = await burst();

    expect(failed.map((response) => response.status)).toEqual([503, 503, 503, 503, 503]);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);

    t.upstream.onPostgrest(answerFromInstanceRows);
    const recovered = await burst();

    expect(recovered.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(t.upstream.postgrestCalls()).toHaveLength(2);
    expect(t.upstream.sendTextCalls()).toHaveLength(5);
  });

  it("outage is not cached as not found", async () => {
    t.upstream.onPostgrest(() => new Response("unavailable", { status: 503 }));

    const failed = await callGateway(sendTextRequest({ token: "unknown-token" }));
    t.upstream.onPostgrest(answerFromInstanceRows);
    const recovered = await callGateway(sendTextRequest({ token: "unknown-token" }));

    await expectError(failed, 503, "database_unavailable", UNAVAILABLE);
    await expectError(
      recovered,
      401,
      "invalid_token",
      "Invalid token: no WhatsApp instance has this token",
    );
    expect(t.upstream.postgrestCalls()).toHaveLength(2);
  });
});
