import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { expectError } from "./helpers/assertions";
import { callGateway, sendTextRequest, testEnv } from "./helpers/gateway";
import { cacheKeyOf, spyOnKv } from "./helpers/kv";
import { useGatewayTest } from "./helpers/setup";
import { answerFromInstanceRows, INSTANCE_ROWS } from "./helpers/upstream";

const t = useGatewayTest();

function instanceSources(): unknown[] {
  return t.logs.events("request_completed").map((entry) => entry.instanceSource);
}

/** Sends one request per token, in order, through one environment. */
async function sendFor(tokens: string[], overrides: Record<string, unknown>): Promise<void> {
  for (const token of tokens) {
    await callGateway(sendTextRequest({ token }), testEnv(overrides));
  }
}

describe("memory tier", () => {
  it("hit makes no KV read and no PostgREST call", async () => {
    const spy = spyOnKv();

    await callGateway(sendTextRequest({ token: "abc123" }), testEnv({ TOKEN_CACHE: spy.kv }));
    const second = await callGateway(
      sendTextRequest({ token: "abc123" }),
      testEnv({ TOKEN_CACHE: spy.kv }),
    );

    expect(second.status).toBe(200);
    expect(spy.calls.get).toEqual([await cacheKeyOf("abc123")]);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expect(t.upstream.sendTextCalls()).toHaveLength(2);
    expect(instanceSources()).toEqual(["database", "memory"]);
  });

  it("remembers a KV hit", async () => {
    const cached = { version: 1, instance: INSTANCE_ROWS.abc123 };
    await env.TOKEN_CACHE.put(await cacheKeyOf("abc123"), JSON.stringify(cached));
    const spy = spyOnKv();

    await sendFor(["abc123", "abc123", "abc123"], { TOKEN_CACHE: spy.kv });

    expect(spy.calls.get).toHaveLength(1);
    expect(t.upstream.postgrestCalls()).toHaveLength(0);
    expect(instanceSources()).toEqual(["cache", "memory", "memory"]);
  });

  it("remembers a token that matched no instance", async () => {
    const spy = spyOnKv();

    await callGateway(
      sendTextRequest({ token: "unknown-token" }),
      testEnv({ TOKEN_CACHE: spy.kv }),
    );
    const second = await callGateway(
      sendTextRequest({ token: "unknown-token" }),
      testEnv({ TOKEN_CACHE: spy.kv }),
    );

    await expectError(
      second,
      401,
      "invalid_token",
      "Invalid token: no WhatsApp instance has this token",
    );
    expect(spy.calls.get).toHaveLength(1);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expect(instanceSources()).toEqual(["database", "memory"]);
  });

  it("never remembers a failed lookup", async () => {
    t.upstream.onPostgrest(() => new Response("unavailable", { status: 503 }));
    const failed = await callGateway(sendTextRequest({ token: "abc123" }));
    t.upstream.onPostgrest(answerFromInstanceRows);

    const retried = await callGateway(sendTextRequest({ token: "abc123" }));

    expect(failed.status).toBe(503);
    expect(retried.status).toBe(200);
    expect(t.upstream.postgrestCalls()).toHaveLength(2);
    expect(instanceSources()).toEqual([undefined, "database"]);
  });

  it("entry expires after MEMORY_CACHE_TTL_SECONDS", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const spy = spyOnKv();
    const settings = { TOKEN_CACHE: spy.kv, MEMORY_CACHE_TTL_SECONDS: "5" };

    await sendFor(["abc123"], settings);
    vi.advanceTimersByTime(4_999);
    await sendFor(["abc123"], settings);
    vi.advanceTimersByTime(1);
    await sendFor(["abc123"], settings);

    expect(instanceSources()).toEqual(["database", "memory", "cache"]);
    expect(spy.calls.get).toHaveLength(2);
  });

  it("evicts the least recently used token at MEMORY_CACHE_MAX_ENTRIES", async () => {
    const spy = spyOnKv();
    const settings = { TOKEN_CACHE: spy.kv, MEMORY_CACHE_MAX_ENTRIES: "2" };

    await sendFor(["abc123", "ghi789", "abc123", "jkl321"], settings);
    await sendFor(["abc123", "jkl321", "ghi789"], settings);

    expect(instanceSources()).toEqual([
      "database",
      "database",
      "memory",
      "database",
      "memory",
      "memory",
      "cache",
    ]);
    expect(spy.calls.get.at(-1)).toBe(await cacheKeyOf("ghi789"));
  });

  it("MEMORY_CACHE_MAX_ENTRIES of 0 turns the tier off", async () => {
    const spy = spyOnKv();

    await sendFor(["abc123", "abc123", "abc123"], {
      TOKEN_CACHE: spy.kv,
      MEMORY_CACHE_MAX_ENTRIES: 0,
    });

    expect(instanceSources()).toEqual(["database", "cache", "cache"]);
    expect(spy.calls.get).toHaveLength(3);
  });

  it("remembered disconnected instance still returns 401", async () => {
    await sendFor(["ghi789"], {});
    const second = await callGateway(sendTextRequest({ token: "ghi789" }));

    await expectError(second, 401, "instance_disconnected", "Instance is disconnected");
    expect(instanceSources()).toEqual(["database", "memory"]);
    expect(t.upstream.sendTextCalls()).toHaveLength(0);
  });
});
