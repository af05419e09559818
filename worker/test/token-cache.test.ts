import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TOKEN_CACHE_KEY_PREFIX } from "../src/token-cache";
import { sha256Hex } from "../src/token-hash";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest, testEnv } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";
import { INSTANCE_ROWS } from "./helpers/upstream";

const t = useGatewayTest();

async function cacheKeyOf(token: string): Promise<string> {
  return `${TOKEN_CACHE_KEY_PREFIX}${await sha256Hex(token)}`;
}

async function listCachedKeys(): Promise<KVNamespaceListKey<unknown>[]> {
  const { keys } = await env.TOKEN_CACHE.list({ prefix: TOKEN_CACHE_KEY_PREFIX });
  return keys;
}

/** Asserts that `key` expires `ttlSeconds` after some moment within [startedAt, now]. */
function expectExpiresIn(
  key: KVNamespaceListKey<unknown> | undefined,
  ttlSeconds: number,
  startedAtMs: number,
): void {
  expect(key?.expiration).toBeGreaterThanOrEqual(Math.floor(startedAtMs / 1000) + ttlSeconds);
  expect(key?.expiration).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + ttlSeconds);
}

/** Builds a KV binding whose chosen methods reject while the others use the real namespace. */
function failingKv(failing: { get?: boolean; put?: boolean }): KVNamespace {
  const kv = env.TOKEN_CACHE;
  return {
    get: failing.get
      ? () => Promise.reject(new Error("KV GET failed with 500"))
      : (key: string) => kv.get(key),
    put: failing.put
      ? () => Promise.reject(new Error("KV PUT failed with 500"))
      : (key: string, value: string, options?: KVNamespacePutOptions) =>
          kv.put(key, value, options),
  } as unknown as KVNamespace;
}

describe("token cache", () => {
  it("caches a found instance for 300 seconds under the token digest", async () => {
    const startedAtMs = Date.now();
    const response = await callGateway(sendTextRequest({ token: "abc123" }));

    expect(response.status).toBe(200);
    const keys = await listCachedKeys();
    expect(keys.map((key) => key.name)).toEqual([await cacheKeyOf("abc123")]);
    expectExpiresIn(keys[0], 300, startedAtMs);
    const stored = await env.TOKEN_CACHE.get(await cacheKeyOf("abc123"));
    expect(JSON.parse(stored ?? "null")).toEqual({ version: 1, instance: INSTANCE_ROWS.abc123 });
  });

  it("caches an unknown token for 60 seconds", async () => {
    const startedAtMs = Date.now();
    const response = await callGateway(sendTextRequest({ token: "unknown-token" }));

    await expectError(response, 401, "invalid_token");
    const keys = await listCachedKeys();
    expect(keys.map((key) => key.name)).toEqual([await cacheKeyOf("unknown-token")]);
    expectExpiresIn(keys[0], 60, startedAtMs);
    const stored = await env.TOKEN_CACHE.get(await cacheKeyOf("unknown-token"));
    expect(JSON.parse(stored ?? "null")).toEqual({ version: 1, instance: null });
  });

  it("never stores the raw token in a key or value", async () => {
    const token = "Raw-Token-Visible-42";

    await callGateway(sendTextRequest({ token }));

    const [key] = await listCachedKeys();
    expect(key?.name).toMatch(/^instance-token:v1:[0-9a-f]{64}$/);
    expect(key?.name).not.toContain(token);
    expect(await env.TOKEN_CACHE.get(key?.name ?? "")).not.toContain(token);
  });

  it("KV hit makes no PostgREST call", async () => {
    const kvOnly = () => testEnv({ MEMORY_CACHE_MAX_ENTRIES: "0" });
    await callGateway(sendTextRequest({ token: "abc123" }), kvOnly());
    await callGateway(sendTextRequest({ token: "abc123" }), kvOnly());
    const third = await callGateway(sendTextRequest({ token: "abc123" }), kvOnly());

    expect(third.status).toBe(200);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expect(t.upstream.sendTextCalls()).toHaveLength(3);
    const sources = t.logs.events("request_completed").map((entry) => entry.instanceSource);
    expect(sources).toEqual(["database", "cache", "cache"]);
  });

  it("cached not-found answers 401 without a PostgREST call", async () => {
    await callGateway(sendTextRequest({ token: "unknown-token" }));
    const second = await callGateway(sendTextRequest({ token: "unknown-token" }));

    await expectError(second, 401, "invalid_token");
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
  });

  it("cached disconnected instance answers 401 without a PostgREST call", async () => {
    const key = await cacheKeyOf("abc123");
    const cached = { version: 1, instance: { ...INSTANCE_ROWS.abc123, status: "disconnected" } };
    await env.TOKEN_CACHE.put(key, JSON.stringify(cached));

    const response = await callGateway(sendTextRequest({ token: "abc123" }));

    await expectError(response, 401, "instance_disconnected", "Instance is disconnected");
    expect(t.upstream.calls).toHaveLength(0);
  });

  it.each([
    ["not JSON", "{oops"],
    ["an unknown version", JSON.stringify({ version: 2, instance: INSTANCE_ROWS.ghi789 })],
    ["a record without status", JSON.stringify({ version: 1, instance: { id: "x" } })],
  ])("cached value that is %s counts as a miss", async (_case, stored) => {
    await env.TOKEN_CACHE.put(await cacheKeyOf("abc123"), stored);

    const response = await callGateway(sendTextRequest({ token: "abc123" }));

    expect(response.status).toBe(200);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expect(t.logs.events("token_cache_value_invalid")).toHaveLength(1);
    const rewritten = await env.TOKEN_CACHE.get(await cacheKeyOf("abc123"));
    expect(JSON.parse(rewritten ?? "null")).toEqual({ version: 1, instance: INSTANCE_ROWS.abc123 });
  });

  it("failing KV read falls back to the database", async () => {
    const response = await callGateway(
      sendTextRequest({ token: "abc123" }),
      testEnv({ TOKEN_CACHE: failingKv({ get: true }) }),
    );

    expect(response.status).toBe(200);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    const [logged] = t.logs.events("token_cache_read_failed");
    expect(logged).toMatchObject({ level: "warn", errorMessage: "KV GET failed with 500" });
    expect(await listCachedKeys()).toHaveLength(1);
  });

  it("failing KV write still answers", async () => {
    const response = await callGateway(
      sendTextRequest({ token: "abc123" }),
      testEnv({ TOKEN_CACHE: failingKv({ put: true }) }),
    );

    expect(response.status).toBe(200);
    expect(t.upstream.sendTextCalls()).toHaveLength(1);
    const [logged] = t.logs.events("token_cache_write_failed");
    expect(logged).toMatchObject({ level: "warn", errorMessage: "KV PUT failed with 500" });
    expect(await listCachedKeys()).toHaveLength(0);
  });

  it("failing KV write still answers 401 for an unknown token", async () => {
    const response = await callGateway(
      sendTextRequest({ token: "unknown-token" }),
      testEnv({ TOKEN_CACHE: failingKv({ get: true, put: true }) }),
    );

    await expectError(response, 401, "invalid_token");
    expect(t.logs.events("token_cache_read_failed")).toHaveLength(1);
    expect(t.logs.events("token_cache_write_failed")).toHaveLength(1);
  });

  it("malformed token writes nothing to the cache", async () => {
    await callGateway(sendTextRequest({ token: "abc 123" }));

    expect(await listCachedKeys()).toHaveLength(0);
  });
});
