import type { GatewayConfig } from "./env";
import { MemoryCache } from "./memory-cache";
import type { CachedLookup } from "./token-cache";

// One per isolate: module state lives as long as the isolate and is shared by its requests.
const lookups = new MemoryCache<CachedLookup>();

// Every purge starts a new generation, and a lookup stores its result, in memory or in KV,
// only if the generation it started in is still current. So a lookup that was running when a
// purge ran cannot put back the value the purge removed. The counter is one per isolate
// rather than one per key, because per-key counters would need their own bound, and evicting
// a key's counter would let a stale write through. The cost is that a purge also stops
// unrelated lookups running at that moment from being cached, which costs one more miss each.
let generation = 0;

/** Returns the current purge generation. A lookup reads it before its first cache read. */
export function cacheGeneration(): number {
  return generation;
}

/** Tells whether no purge has run since `startedIn` was taken. */
export function isCacheGenerationCurrent(startedIn: number): boolean {
  return startedIn === generation;
}

/** Returns the remembered lookup for a cache key, or undefined on a miss or with the tier off. */
export function readMemoryTier(key: string, config: GatewayConfig): CachedLookup | undefined {
  if (config.memoryCacheMaxEntries === 0) {
    return undefined;
  }
  return lookups.get(key);
}

/** Remembers a lookup, unless the tier is off or a purge ran since `startedIn` was taken. */
export function rememberLookup(
  key: string,
  lookup: CachedLookup,
  startedIn: number,
  config: GatewayConfig,
): void {
  if (!isCacheGenerationCurrent(startedIn)) {
    return;
  }
  lookups.set(key, lookup, {
    maxEntries: config.memoryCacheMaxEntries,
    ttlSeconds: config.memoryCacheTtlSeconds,
  });
}

/**
 * Starts a new generation and drops the entries of `keys`, or every entry when `keys` is left
 * out.
 * NOTE: this clears only the isolate that serves the purge. Another isolate may serve the
 * purged lookup from memory for up to MEMORY_CACHE_TTL_SECONDS after a purge. The send-text
 * function's re-check still rejects the send for a removed token or a disconnected instance,
 * but a token created since then gets 401 invalid_token from that isolate until its entry
 * expires.
 */
export function invalidateMemoryTier(keys?: readonly string[]): void {
  generation++;
  if (keys === undefined) {
    lookups.clear();
    return;
  }
  for (const key of keys) {
    lookups.delete(key);
  }
}
