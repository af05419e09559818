import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { purgeRequest } from "./helpers/admin";
import { deferred } from "./helpers/deferred";
import { callGateway, sendTextRequest, testEnv } from "./helpers/gateway";
import { cacheKeyOf, spyOnKv } from "./helpers/kv";
import { useGatewayTest } from "./helpers/setup";
import { answerFromInstanceRows, INSTANCE_ROWS } from "./helpers/upstream";

const t = useGatewayTest();

function instanceSources(): unknown[] {
  return t.logs.events("request_completed").map((entry) => entry.instanceSource);
}

/** Holds every PostgREST lookup until the returned gate is opened. */
function holdPostgrest() {
  const gate = deferred<void>();
  t.upstream.onPostgrest(async (call, signal) => {
    await gate.promise;
    return answerFromInstanceRows(call, signal);
  });
  return gate;
}

async function waitForPostgrestCalls(count: number): Promise<void> {
  for (let attempt = 0; attempt < 50 && t.upstream.postgrestCalls().length < count; attempt++) {
    await scheduler.wait(5);
  }
  expect(t.upstream.postgrestCalls()).toHaveLength(count);
}

describe("purge during a lookup", () => {
  it("keeps the running lookup's result out of both tiers", async () => {
    const gate = holdPostgrest();
    const sending = callGateway(sendTextRequest({ token: "abc123" }));
    await waitForPostgrestCalls(1);

    const purged = await callGateway(purgeRequest({ tokens: ["abc123"] }));
    gate.resolve();

    expect(purged.status).toBe(200);
    expect((await sending).status).toBe(200);
    expect(await env.TOKEN_CACHE.get(await cacheKeyOf("abc123"))).toBeNull();
    const [skipped] = t.logs.events("token_cache_write_skipped");
    expect(skipped).toMatchObject({ level: "info", reason: "purged_during_lookup" });
    await callGateway(sendTextRequest({ token: "abc123" }));
    expect(t.upstream.postgrestCalls()).toHaveLength(2);
    expect(instanceSources()).toEqual([undefined, "database", "database"]);
  });

  it("request after the purge starts its own lookup", async () => {
    const gate = holdPostgrest();
    const before = callGateway(sendTextRequest({ token: "abc123" }));
    await waitForPostgrestCalls(1);
    await callGateway(purgeRequest({ tokens: ["abc123"] }));

    const after = callGateway(sendTextRequest({ token: "abc123" }));
    await waitForPostgrestCalls(2);
    gate.resolve();

    expect((await before).status).toBe(200);
    expect((await after).status).toBe(200);
    const stored = await env.TOKEN_CACHE.get(await cacheKeyOf("abc123"));
    expect(JSON.parse(stored ?? "null")).toEqual({ version: 1, instance: INSTANCE_ROWS.abc123 });
  });

  it("KV value read before the purge is not remembered", async () => {
    const key = await cacheKeyOf("abc123");
    await env.TOKEN_CACHE.put(key, JSON.stringify({ version: 1, instance: INSTANCE_ROWS.abc123 }));
    const gate = deferred<void>();
    const readDone = deferred<void>();
    const spy = spyOnKv({
      beforeGetReturns: () => {
        readDone.resolve();
        return gate.promise;
      },
    });
    const sending = callGateway(
      sendTextRequest({ token: "abc123" }),
      testEnv({ TOKEN_CACHE: spy.kv }),
    );
    await readDone.promise;

    await callGateway(purgeRequest({ tokens: ["abc123"] }));
    gate.resolve();
    await sending;
    await callGateway(sendTextRequest({ token: "abc123" }));

    expect(instanceSources()).toEqual([undefined, "cache", "database"]);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
  });

  it("KV value read while the purge deletes is not remembered", async () => {
    await env.TOKEN_CACHE.put(
      await cacheKeyOf("abc123"),
      JSON.stringify({ version: 1, instance: INSTANCE_ROWS.abc123 }),
    );
    const deleteGate = deferred<void>();
    const deleteStarted = deferred<void>();
    const spy = spyOnKv({
      beforeDelete: () => {
        deleteStarted.resolve();
        return deleteGate.promise;
      },
    });
    const purging = callGateway(
      purgeRequest({ tokens: ["abc123"] }),
      testEnv({ TOKEN_CACHE: spy.kv }),
    );
    await deleteStarted.promise;

    await callGateway(sendTextRequest({ token: "abc123" }));
    deleteGate.resolve();
    expect((await purging).status).toBe(200);
    await callGateway(sendTextRequest({ token: "abc123" }));

    expect(instanceSources()).toEqual(["cache", undefined, "database"]);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
  });
});
