import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { callGateway, sendTextRequest, testEnv } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

interface KvFaultSwitch {
  kv: KVNamespace;
  /** Whether get and put currently fail; tests flip them to end the fault. */
  failing: { get: boolean; put: boolean; getHangs: boolean };
}

/** Wraps the test namespace in a binding whose get and put fail while their switch is on. */
function switchableKv(): KvFaultSwitch {
  const real = env.TOKEN_CACHE;
  const failing = { get: false, put: false, getHangs: false };
  const kv = {
    get(key: string) {
      if (failing.getHangs) {
        return new Promise<never>(() => {});
      }
      return failing.get ? Promise.reject(new Error("KV GET failed with 500")) : real.get(key);
    },
    put(key: string, value: string, options?: KVNamespacePutOptions) {
      return failing.put
        ? Promise.reject(new Error("KV PUT failed with 500"))
        : real.put(key, value, options);
    },
  };
  return { kv: kv as unknown as KVNamespace, failing };
}

/** Sends abc123 with the memory tier off, so each request reads KV, and returns the source. */
async function sendThrough(kv: KVNamespace): Promise<unknown> {
  const response = await callGateway(
    sendTextRequest({ token: "abc123" }),
    testEnv({ TOKEN_CACHE: kv, MEMORY_CACHE_MAX_ENTRIES: "0" }),
  );
  expect(response.status).toBe(200);
  return t.logs.events("request_completed").at(-1)?.instanceSource;
}

describe("token cache faults", () => {
  it("failing KV read falls back, then recovers", async () => {
    const faults = switchableKv();
    faults.failing.get = true;

    const during = await sendThrough(faults.kv);
    faults.failing.get = false;
    const after = await sendThrough(faults.kv);

    expect([during, after]).toEqual(["database", "cache"]);
    expect(t.upstream.postgrestCalls()).toHaveLength(1);
    expect(t.upstream.sendTextCalls()).toHaveLength(2);
    expect(t.logs.events("token_cache_read_failed")).toHaveLength(1);
  });

  it("failing KV write caches nothing, then recovers", async () => {
    const faults = switchableKv();
    faults.failing.put = true;

    const during = await sendThrough(faults.kv);
    faults.failing.put = false;
    const first = await sendThrough(faults.kv);
    const second = await sendThrough(faults.kv);

    expect([during, first, second]).toEqual(["database", "database", "cache"]);
    expect(t.upstream.postgrestCalls()).toHaveLength(2);
    expect(t.upstream.sendTextCalls()).toHaveLength(3);
    expect(t.logs.events("token_cache_write_failed")).toHaveLength(1);
  });

  it("KV read without response times out", async () => {
    const faults = switchableKv();
    faults.failing.getHangs = true;

    const during = await sendThrough(faults.kv);
    faults.failing.getHangs = false;
    const after = await sendThrough(faults.kv);

    expect([during, after]).toEqual(["database", "cache"]);
    const [logged] = t.logs.events("token_cache_read_failed");
    expect(logged).toMatchObject({ level: "warn", reason: "timeout" });
  });
});
