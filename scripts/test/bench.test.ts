import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countDelta, takeSettledSnapshot } from "../bench/counters.ts";
import { cycleTokens, percentile, SEND_TEXT_BODY } from "../bench/load.ts";
import { buildInstanceTable, shuffledIndexes, tokenAt, tokenSet } from "../bench/tokens.ts";
import { fetchUpstreamCounters, type RunningUpstream, startUpstream } from "../bench/upstream.ts";
import { bundleCountingGateway, bundleFloorProxy } from "../bench/worker-bundle.ts";
import { type BenchWorker, startBenchWorker } from "../bench/worker-runtime.ts";

// Long enough that every request of the burst arrives while the one lookup still waits.
const DB_DELAY_MS = 300;
const SERVICE_ROLE_KEY = "test-service-role-key";
const LOOKUP_HEADERS = { apikey: SERVICE_ROLE_KEY, Authorization: `Bearer ${SERVICE_ROLE_KEY}` };
const STAMPEDE_REQUESTS = 25;
const START_TIMEOUT_MS = 30_000;

const stampedeTokens = tokenSet("test-stampede", 1);
const uncachedTokens = tokenSet("test-uncached", 1);
const lookupTokens = tokenSet("test-lookup", 3);
const prefixTokens = tokenSet("test-prefix", 2);

let upstream: RunningUpstream;
let gateway: BenchWorker;
let uncachedGateway: BenchWorker;
let floor: BenchWorker;

beforeAll(async () => {
  upstream = await startUpstream({
    dbDelayMs: DB_DELAY_MS,
    serviceRoleKey: SERVICE_ROLE_KEY,
    table: buildInstanceTable([stampedeTokens, uncachedTokens, lookupTokens, prefixTokens]),
  });
  const script = await bundleCountingGateway();
  const bindings = {
    SUPABASE_URL: upstream.url,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
    GATEWAY_SHARED_SECRET: "test-gateway-shared-secret",
  };
  gateway = await startBenchWorker({ name: "test-gateway", script, bindings, withKv: true });
  uncachedGateway = await startBenchWorker({
    name: "test-uncached",
    script,
    bindings: { ...bindings, MEMORY_CACHE_MAX_ENTRIES: "0", BENCH_KV_MODE: "always-miss" },
    withKv: true,
  });
  floor = await startBenchWorker({
    name: "test-floor",
    script: await bundleFloorProxy(),
    bindings: { SEND_TEXT_URL: `${upstream.url}/functions/v1/send-text` },
    withKv: false,
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await gateway?.close();
  await uncachedGateway?.close();
  await floor?.close();
  await upstream?.close();
});

function lookupUrl(token: string, overrides: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    select: "id,user_id,name,status",
    instance_token: `eq.${token}`,
    limit: "2",
    ...overrides,
  });
  return `${upstream.url}/rest/v1/whatsapp_instances?${query}`;
}

function sendText(worker: BenchWorker, token: string): Promise<Response> {
  return fetch(`${worker.url}/whatsapp/send-text`, {
    method: "POST",
    headers: { "Content-Type": "application/json", token },
    body: SEND_TEXT_BODY,
  });
}

describe("database stand-in", () => {
  it("answers a lookup with the row and counts it per token", async () => {
    const token = tokenAt(lookupTokens, 0);
    const before = await fetchUpstreamCounters(upstream.url, lookupTokens.prefix);

    const response = await fetch(lookupUrl(token), { headers: LOOKUP_HEADERS });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      {
        id: "00000000-0000-4000-8000-b00000000003",
        user_id: "00000000-0000-4000-8000-a00000000003",
        name: "Bench instance 3",
        status: "connected",
      },
    ]);
    const after = await fetchUpstreamCounters(upstream.url, lookupTokens.prefix);
    expect(after.lookups - before.lookups).toBe(1);
    expect(after.prefixLookups - before.prefixLookups).toBe(1);
    expect(after.prefixTokens).toBe(1);
  });

  it("finds a token by its SHA-256 digest", async () => {
    const token = tokenAt(lookupTokens, 1);
    const digest = createHash("sha256").update(token).digest("hex");
    const before = await fetchUpstreamCounters(upstream.url, lookupTokens.prefix);
    const query = new URLSearchParams({
      select: "id,user_id,name,status",
      instance_token_sha256: `eq.${digest}`,
      limit: "2",
    });

    const response = await fetch(`${upstream.url}/rest/v1/whatsapp_instances?${query}`, {
      headers: LOOKUP_HEADERS,
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      {
        id: "00000000-0000-4000-8000-b00000000004",
        user_id: "00000000-0000-4000-8000-a00000000004",
        name: "Bench instance 4",
        status: "connected",
      },
    ]);
    const after = await fetchUpstreamCounters(upstream.url, lookupTokens.prefix);
    expect(after.prefixLookups - before.prefixLookups).toBe(1);
  });

  it("answers an unknown token with an empty array", async () => {
    const response = await fetch(lookupUrl("not-in-the-table"), { headers: LOOKUP_HEADERS });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([]);
  });

  it("counts lookups of a prefix apart from others", async () => {
    const before = await fetchUpstreamCounters(upstream.url);

    await Promise.all(
      [0, 0, 1].map(async (index) => {
        const response = await fetch(lookupUrl(tokenAt(prefixTokens, index)), {
          headers: LOOKUP_HEADERS,
        });
        await response.text();
      }),
    );

    const after = await fetchUpstreamCounters(upstream.url, prefixTokens.prefix);
    expect(after.lookups - before.lookups).toBe(3);
    expect(after.prefixLookups).toBe(3);
    expect(after.prefixTokens).toBe(2);
    expect(after.prefixMaxLookupsPerToken).toBe(2);
  });

  it("rejects a wrong key without counting a query", async () => {
    const before = await fetchUpstreamCounters(upstream.url);

    const response = await fetch(lookupUrl(tokenAt(lookupTokens, 0)), {
      headers: { apikey: "wrong", Authorization: "Bearer wrong" },
    });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ message: "Invalid API key" });
    const after = await fetchUpstreamCounters(upstream.url);
    expect(after.lookups).toBe(before.lookups);
    expect(after.rejected - before.rejected).toBe(1);
  });

  it.each([
    [{ select: "*" }, 'select must be "id,user_id,name,status"'],
    [{ limit: "1" }, "limit must be 2"],
    [
      { instance_token: "like.x" },
      'instance_token or instance_token_sha256 must be an "eq." filter',
    ],
    [{ order: "id" }, "unexpected parameters: instance_token,limit,order,select"],
  ])("rejects the query shape %o", async (overrides, message) => {
    const response = await fetch(lookupUrl("x", overrides), { headers: LOOKUP_HEADERS });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: "PGRST100",
      details: message,
      hint: null,
      message,
    });
  });
});

describe("send-text stand-in", () => {
  it("answers sent with the request id and counts the send", async () => {
    const before = await fetchUpstreamCounters(upstream.url);

    const response = await fetch(`${upstream.url}/functions/v1/send-text`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Request-ID": "req-1" },
      body: SEND_TEXT_BODY,
    });

    expect(response.status).toBe(200);
    const after = await fetchUpstreamCounters(upstream.url);
    expect(await response.json()).toEqual({
      status: "sent",
      messageId: `bench-message-${after.sends}`,
      requestId: "req-1",
    });
    expect(after.sends - before.sends).toBe(1);
  });
});

describe("floor Worker", () => {
  it("relays one send without lookups", async () => {
    const before = await fetchUpstreamCounters(upstream.url);

    const response = await fetch(`${floor.url}/whatsapp/send-text`, {
      method: "POST",
      headers: { "Content-Type": "application/json", token: "floor-token" },
      body: SEND_TEXT_BODY,
    });

    expect(response.status).toBe(200);
    const after = await fetchUpstreamCounters(upstream.url);
    expect(await response.json()).toEqual({
      status: "sent",
      messageId: `bench-message-${after.sends}`,
      requestId: "bench-request",
    });
    expect(after.sends - before.sends).toBe(1);
    expect(after.lookups - before.lookups).toBe(0);
  });
});

describe("gateway under the bench", () => {
  it("sends a stampede on one cold token to the database once", async () => {
    const token = tokenAt(stampedeTokens, 0);
    const before = await takeSettledSnapshot(upstream.url, gateway, stampedeTokens.prefix);

    const responses = await Promise.all(
      Array.from({ length: STAMPEDE_REQUESTS }, () => sendText(gateway, token)),
    );

    const statuses = await Promise.all(
      responses.map(async (response) => {
        await response.text();
        return response.status;
      }),
    );
    expect(statuses).toEqual(Array(STAMPEDE_REQUESTS).fill(200));
    const counts = countDelta(
      before,
      await takeSettledSnapshot(upstream.url, gateway, stampedeTokens.prefix),
    );
    expect(counts.dbQueries).toBe(1);
    expect(counts.sends).toBe(STAMPEDE_REQUESTS);
    expect(counts.kvReads).toBe(STAMPEDE_REQUESTS);
    expect(counts.kvWrites).toBe(1);
    expect(await gateway.countStoredKeys()).toBe(1);
  });

  it("queries the database on every request when uncached", async () => {
    const token = tokenAt(uncachedTokens, 0);
    const before = await takeSettledSnapshot(upstream.url, uncachedGateway, uncachedTokens.prefix);

    for (let request = 0; request < 3; request++) {
      const response = await sendText(uncachedGateway, token);
      expect(response.status).toBe(200);
      await response.text();
    }

    const after = await takeSettledSnapshot(upstream.url, uncachedGateway, uncachedTokens.prefix);
    const counts = countDelta(before, after);
    expect(counts.dbQueries).toBe(3);
    expect(counts.kvReads).toBe(3);
    expect(counts.kvWrites).toBe(3);
    expect(await uncachedGateway.countStoredKeys()).toBe(0);
  });
});

describe("load helpers", () => {
  it("shuffles indexes into a permutation", () => {
    const indexes = shuffledIndexes(1_000);

    expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
  });

  it("cycles tokens in order", () => {
    const next = cycleTokens(["a", "b"]);

    expect([next(), next(), next()]).toEqual(["a", "b", "a"]);
  });

  it("takes the nearest-rank percentile", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);

    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
  });
});
