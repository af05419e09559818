import { env } from "cloudflare:workers";
import { TOKEN_CACHE_KEY_PREFIX } from "../../src/token-cache";
import { sha256Hex } from "../../src/token-hash";

/** Returns the KV key under which the gateway caches the lookup of `token`. */
export async function cacheKeyOf(token: string): Promise<string> {
  return `${TOKEN_CACHE_KEY_PREFIX}${await sha256Hex(token)}`;
}

/** Returns the first 8 hex characters of the token's SHA-256, as logs and purge results show it. */
export async function tokenHashOf(token: string): Promise<string> {
  return (await sha256Hex(token)).slice(0, 8);
}

/** Returns the names of every key in the test namespace, in KV's (lexicographic) order. */
export async function listAllKeyNames(): Promise<string[]> {
  const { keys } = await env.TOKEN_CACHE.list();
  return keys.map((key) => key.name);
}

/** Stores `count` cached not-found lookups for the tokens "token-0", "token-1", ... */
export async function putCachedTokens(count: number): Promise<string[]> {
  const tokens = Array.from({ length: count }, (_unused, index) => `token-${index}`);
  const value = JSON.stringify({ version: 1, instance: null });
  await Promise.all(
    tokens.map(async (token) => env.TOKEN_CACHE.put(await cacheKeyOf(token), value)),
  );
  return tokens;
}

export interface KvCalls {
  get: string[];
  put: string[];
  delete: string[];
  list: KVNamespaceListOptions[];
}

export interface KvSpy {
  kv: KVNamespace;
  calls: KvCalls;
}

export interface KvFaults {
  /** Key names whose delete rejects. */
  failDeletes?: string[];
  failList?: boolean;
  /** Awaited after a get has read its value and before it returns it. */
  beforeGetReturns?: () => Promise<void>;
  /** Awaited before a delete reaches the namespace. */
  beforeDelete?: () => Promise<void>;
}

/**
 * Wraps the test namespace in a binding that records every call and can inject faults. Pass
 * `kv` as TOKEN_CACHE through testEnv.
 */
export function spyOnKv(faults: KvFaults = {}): KvSpy {
  const real = env.TOKEN_CACHE;
  const calls: KvCalls = { get: [], put: [], delete: [], list: [] };
  const kv = {
    async get(key: string) {
      calls.get.push(key);
      const value = await real.get(key);
      await faults.beforeGetReturns?.();
      return value;
    },
    put(key: string, value: string, options?: KVNamespacePutOptions) {
      calls.put.push(key);
      return real.put(key, value, options);
    },
    async delete(key: string) {
      calls.delete.push(key);
      await faults.beforeDelete?.();
      if (faults.failDeletes?.includes(key)) {
        throw new Error("KV DELETE failed with 500");
      }
      return real.delete(key);
    },
    list(options: KVNamespaceListOptions = {}) {
      calls.list.push(options);
      if (faults.failList) {
        return Promise.reject(new Error("KV LIST failed with 500"));
      }
      return real.list(options);
    },
  };
  return { kv: kv as unknown as KVNamespace, calls };
}
