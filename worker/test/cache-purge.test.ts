import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TOKEN_CACHE_KEY_PREFIX } from "../src/token-cache";
import { purgeRequest } from "./helpers/admin";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest, TEST_ADMIN_SECRET, testEnv } from "./helpers/gateway";
import { cacheKeyOf, listAllKeyNames, putCachedTokens, spyOnKv, tokenHashOf } from "./helpers/kv";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const UNAVAILABLE = "The token cache is unavailable; retry the request in a few seconds";

function instanceSources(): unknown[] {
  return t.logs.events("request_completed").map((entry) => entry.instanceSource);
}

async function purge(body: unknown, gatewayEnv = testEnv()): Promise<Response> {
  return callGateway(purgeRequest(body), gatewayEnv);
}

describe("purge by tokens", () => {
  it("deletes the KV keys and the memory entries", async () => {
    await callGateway(sendTextRequest({ token: "abc123" }));
    await callGateway(sendTextRequest({ token: "unknown-token" }));
    expect(await listAllKeyNames()).toHaveLength(2);

    const response = await purge({ tokens: ["abc123", "unknown-token"] });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      purged: 2,
      keys: [await tokenHashOf("abc123"), await tokenHashOf("unknown-token")],
    });
    expect(await listAllKeyNames()).toEqual([]);
    await callGateway(sendTextRequest({ token: "abc123" }));
    await callGateway(sendTextRequest({ token: "unknown-token" }));
    expect(t.upstream.postgrestCalls()).toHaveLength(4);
    expect(instanceSources().slice(-2)).toEqual(["database", "database"]);
  });

  it("repeat purge returns the same result", async () => {
    await callGateway(sendTextRequest({ token: "abc123" }));
    const expected = { purged: 1, keys: [await tokenHashOf("abc123")] };

    const first = await purge({ tokens: ["abc123"] });
    const second = await purge({ tokens: ["abc123"] });

    expect(first.status).toBe(200);
    expect(await first.json()).toEqual(expected);
    expect(second.status).toBe(200);
    expect(await second.json()).toEqual(expected);
    expect(await listAllKeyNames()).toEqual([]);
  });

  it("counts a token sent twice once", async () => {
    const spy = spyOnKv();

    const response = await purge(
      { tokens: ["abc123", " abc123 ", "abc123"] },
      testEnv({ TOKEN_CACHE: spy.kv }),
    );

    expect(await response.json()).toEqual({ purged: 1, keys: [await tokenHashOf("abc123")] });
    expect(spy.calls.delete).toEqual([await cacheKeyOf("abc123")]);
  });

  it("leaves other tokens cached in both tiers", async () => {
    const spy = spyOnKv();
    const gatewayEnv = () => testEnv({ TOKEN_CACHE: spy.kv });
    await callGateway(sendTextRequest({ token: "abc123" }), gatewayEnv());
    await callGateway(sendTextRequest({ token: "ghi789" }), gatewayEnv());

    await purge({ tokens: ["abc123"] }, gatewayEnv());
    await callGateway(sendTextRequest({ token: "ghi789" }), gatewayEnv());

    expect(await listAllKeyNames()).toEqual([await cacheKeyOf("ghi789")]);
    expect(instanceSources()).toEqual(["database", "database", undefined, "memory"]);
    expect(spy.calls.get).toHaveLength(2);
  });

  it("failed KV delete returns 503 and still clears memory", async () => {
    await callGateway(sendTextRequest({ token: "abc123" }));
    const spy = spyOnKv({ failDeletes: [await cacheKeyOf("abc123")] });

    const response = await purge(
      { tokens: ["abc123", "ghi789"] },
      testEnv({ TOKEN_CACHE: spy.kv }),
    );

    await expectError(response, 503, "cache_unavailable", UNAVAILABLE);
    expect(response.headers.get("Retry-After")).toBe("1");
    const [logged] = t.logs.events("token_cache_purge_failed");
    expect(logged).toMatchObject({
      level: "error",
      failedDeletes: 1,
      attemptedDeletes: 2,
      errorMessage: "KV DELETE failed with 500",
    });
    await callGateway(sendTextRequest({ token: "abc123" }));
    expect(instanceSources().at(-1)).toBe("cache");
  });

  it("logs token hashes, never a token or the secret", async () => {
    const token = "Purge-Leak-Check-9";

    await purge({ tokens: [token, "abc123"] });

    const [logged] = t.logs.events("token_cache_purged");
    expect(logged).toMatchObject({
      level: "info",
      mode: "tokens",
      purged: 2,
      tokenHashes: `${await tokenHashOf(token)},${await tokenHashOf("abc123")}`,
    });
    const output = t.logs.lines.join("\n");
    expect(output).not.toContain(token);
    expect(output).not.toContain("abc123");
    expect(output).not.toContain(TEST_ADMIN_SECRET);
  });
});

describe("purge all", () => {
  it("pages through 7 keys with limit 3", async () => {
    await putCachedTokens(7);
    await env.TOKEN_CACHE.put("other-prefix:1", "kept");
    const spy = spyOnKv();

    const first = await purge({ all: true, limit: 3 }, testEnv({ TOKEN_CACHE: spy.kv }));
    const firstBody = (await first.json()) as { cursor: string };
    const second = await purge(
      { all: true, limit: 3, cursor: firstBody.cursor },
      testEnv({ TOKEN_CACHE: spy.kv }),
    );
    const secondBody = (await second.json()) as { cursor: string };
    const third = await purge(
      { all: true, limit: 3, cursor: secondBody.cursor },
      testEnv({ TOKEN_CACHE: spy.kv }),
    );

    expect(firstBody).toEqual({ purged: 3, cursor: expect.any(String) });
    expect(secondBody).toEqual({ purged: 3, cursor: expect.any(String) });
    expect(await third.json()).toEqual({ purged: 1, cursor: null });
    expect(spy.calls.list).toHaveLength(3);
    expect(spy.calls.delete).toHaveLength(7);
    expect(await listAllKeyNames()).toEqual(["other-prefix:1"]);
  });

  it("lists 500 keys under the prefix by default", async () => {
    const spy = spyOnKv();

    const response = await purge({ all: true, cursor: null }, testEnv({ TOKEN_CACHE: spy.kv }));

    expect(await response.json()).toEqual({ purged: 0, cursor: null });
    expect(spy.calls.list).toEqual([
      { prefix: TOKEN_CACHE_KEY_PREFIX, limit: 500, cursor: undefined },
    ]);
  });

  it("clears the memory tier", async () => {
    await callGateway(sendTextRequest({ token: "abc123" }));
    await callGateway(sendTextRequest({ token: "ghi789" }));

    const response = await purge({ all: true });
    await callGateway(sendTextRequest({ token: "abc123" }));
    await callGateway(sendTextRequest({ token: "ghi789" }));

    expect(await response.json()).toEqual({ purged: 2, cursor: null });
    expect(instanceSources().slice(-2)).toEqual(["database", "database"]);
    expect(t.upstream.postgrestCalls()).toHaveLength(4);
  });

  it("failed KV list returns 503", async () => {
    const spy = spyOnKv({ failList: true });

    const response = await purge({ all: true }, testEnv({ TOKEN_CACHE: spy.kv }));

    await expectError(response, 503, "cache_unavailable", UNAVAILABLE);
    expect(response.headers.get("Retry-After")).toBe("1");
    const [logged] = t.logs.events("token_cache_list_failed");
    expect(logged).toMatchObject({ level: "error", errorMessage: "KV LIST failed with 500" });
    expect(spy.calls.delete).toEqual([]);
  });
});
