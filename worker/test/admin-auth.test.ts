import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { keysRequest, purgeRequest } from "./helpers/admin";
import { expectError } from "./helpers/assertions";
import { callGateway, GATEWAY_ORIGIN, TEST_ADMIN_SECRET, testEnv } from "./helpers/gateway";
import { cacheKeyOf } from "./helpers/kv";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const DISABLED = "The purge endpoint is disabled because ADMIN_SECRET is not set";
const MISSING = "Missing admin secret: send it as Authorization: Bearer <ADMIN_SECRET>";
const INVALID = "Invalid admin secret: the Authorization header does not contain ADMIN_SECRET";
const NOT_BEARER =
  "Authorization header: must use the Bearer scheme, as in Authorization: Bearer <ADMIN_SECRET>";

type RequestBuilder = (authorization: string | null) => Request;

const ADMIN_ROUTES: [string, RequestBuilder][] = [
  ["purge", (authorization) => purgeRequest({ tokens: ["abc123"] }, { authorization })],
  ["keys", (authorization) => keysRequest("", { authorization })],
];

async function cacheAbc123(): Promise<string> {
  const key = await cacheKeyOf("abc123");
  await env.TOKEN_CACHE.put(key, JSON.stringify({ version: 1, instance: null }));
  return key;
}

describe.each(ADMIN_ROUTES)("admin auth on %s", (_route, buildRequest) => {
  it.each<[string, string | null, string, string]>([
    ["no Authorization header", null, "missing_admin_secret", MISSING],
    ["an empty Authorization header", "", "missing_admin_secret", MISSING],
    ["Bearer without a secret", "Bearer   ", "missing_admin_secret", MISSING],
    ["a wrong secret", "Bearer not-the-admin-secret", "invalid_admin_secret", INVALID],
    [
      "an upper-case secret",
      `Bearer ${TEST_ADMIN_SECRET.toUpperCase()}`,
      "invalid_admin_secret",
      INVALID,
    ],
    ["a secret with a suffix", `Bearer ${TEST_ADMIN_SECRET}x`, "invalid_admin_secret", INVALID],
    [
      "a prefix of the secret",
      `Bearer ${TEST_ADMIN_SECRET.slice(0, -1)}`,
      "invalid_admin_secret",
      INVALID,
    ],
    ["the Basic scheme", `Basic ${TEST_ADMIN_SECRET}`, "invalid_admin_secret", NOT_BEARER],
    ["the bare secret", TEST_ADMIN_SECRET, "invalid_admin_secret", NOT_BEARER],
  ])("rejects %s", async (_case, authorization, code, message) => {
    const key = await cacheAbc123();

    const response = await callGateway(buildRequest(authorization));

    await expectError(response, 401, code, message);
    expect(await env.TOKEN_CACHE.get(key)).not.toBeNull();
    const [logged] = t.logs.events("admin_auth_failed");
    expect(logged).toMatchObject({ level: "warn" });
  });

  it.each([
    ["Bearer", `Bearer ${TEST_ADMIN_SECRET}`],
    ["lower-case bearer", `bearer ${TEST_ADMIN_SECRET}`],
    ["extra spaces", `  Bearer   ${TEST_ADMIN_SECRET}  `],
  ])("accepts the secret with %s", async (_case, authorization) => {
    const response = await callGateway(buildRequest(authorization));

    expect(response.status).toBe(200);
    expect(t.logs.events("admin_auth_failed")).toEqual([]);
  });

  it.each([
    ["unset", undefined],
    ["empty", ""],
  ])("ADMIN_SECRET %s returns 503 admin_disabled", async (_case, adminSecret) => {
    const key = await cacheAbc123();

    const response = await callGateway(
      buildRequest(`Bearer ${TEST_ADMIN_SECRET}`),
      testEnv({ ADMIN_SECRET: adminSecret }),
    );

    await expectError(response, 503, "admin_disabled", DISABLED);
    expect(await env.TOKEN_CACHE.get(key)).not.toBeNull();
  });

  it("never logs the admin secret or a presented secret", async () => {
    const presented = "Presented-Wrong-Secret-77";

    await callGateway(buildRequest(`Bearer ${presented}`));
    await callGateway(buildRequest(`Bearer ${TEST_ADMIN_SECRET}`));

    const output = t.logs.lines.join("\n");
    expect(output).not.toContain(presented);
    expect(output).not.toContain(TEST_ADMIN_SECRET);
    expect(output).not.toContain("abc123");
  });
});

describe("admin auth", () => {
  it("logs admin_disabled at most once a minute", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // Later than any line an earlier test logged, so the first request here is logged.
    vi.setSystemTime(Date.now() + 10 * 60_000);
    const disabled = () => testEnv({ ADMIN_SECRET: undefined });

    await callGateway(keysRequest(), disabled());
    vi.advanceTimersByTime(59_999);
    await callGateway(purgeRequest({ tokens: ["abc123"] }), disabled());
    vi.advanceTimersByTime(1);
    await callGateway(keysRequest(), disabled());

    const logged = t.logs.events("admin_disabled");
    expect(logged).toHaveLength(2);
    expect(logged[0]).toEqual({
      level: "error",
      event: "admin_disabled",
      requestId: expect.any(String),
      variable: "ADMIN_SECRET",
      reason: "not set, so the cache purge and key listing endpoints return 503 admin_disabled",
      path: "/admin/cache/keys",
      suppressedCount: expect.any(Number),
    });
    expect(logged[1]).toMatchObject({ path: "/admin/cache/keys", suppressedCount: 1 });
  });

  it("cuts a long path in the admin_disabled log", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // Far later than any line an earlier test logged, so this request is logged.
    vi.setSystemTime(Date.now() + 60 * 60_000);
    const path = `/admin/cache/keys${"/".repeat(1_000)}`;

    const response = await callGateway(
      new Request(`${GATEWAY_ORIGIN}${path}`, { headers: { Authorization: "Bearer x" } }),
      testEnv({ ADMIN_SECRET: undefined }),
    );

    await expectError(response, 503, "admin_disabled", DISABLED);
    const [logged] = t.logs.events("admin_disabled");
    expect(logged).toMatchObject({ path: `${path.slice(0, 256)}…(+${path.length - 256} chars)` });
  });

  it("checks the secret before reading the body", async () => {
    const response = await callGateway(
      purgeRequest("{not json", { authorization: "Bearer wrong" }),
    );

    await expectError(response, 401, "invalid_admin_secret", INVALID);
  });

  it("compares SHA-256 digests with timingSafeEqual", async () => {
    const compare = vi.spyOn(crypto.subtle, "timingSafeEqual");

    const response = await callGateway(keysRequest());

    expect(response.status).toBe(200);
    expect(compare).toHaveBeenCalledTimes(1);
    const [presented, expected] = compare.mock.calls[0] ?? [];
    expect(presented?.byteLength).toBe(32);
    expect(expected?.byteLength).toBe(32);
  });
});
