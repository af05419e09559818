import type { GatewayConfig } from "./env";
import { lookupInstanceByTokenDigest } from "./instance-lookup";
import type { InstanceRecord } from "./instance-record";
import type { Logger } from "./logger";
import {
  cacheGeneration,
  isCacheGenerationCurrent,
  readMemoryTier,
  rememberLookup,
} from "./memory-tier";
import type { ServerTiming } from "./server-timing";
import { SingleFlight } from "./single-flight";
import { readCachedLookup, tokenCacheKey, writeCachedLookup } from "./token-cache";

/** Origin of a resolved record, logged to show the hit rate of each tier. */
export type InstanceSource = "memory" | "cache" | "database";

export interface ResolvedInstance {
  /** The instance that owns the token, or null when no instance has it. */
  instance: InstanceRecord | null;
  source: InstanceSource;
}

export interface ResolveContext {
  config: GatewayConfig;
  log: Logger;
  ctx: ExecutionContext;
  /** The request's Server-Timing phases, which gain the cache and db phases here. */
  timing: ServerTiming;
}

// Keyed by purge generation and cache key (a digest), so the raw token is never a map key. A
// request that arrives after a purge starts its own query instead of joining one that may
// return the purged row.
const databaseLookups = new SingleFlight<InstanceRecord | null>();

/**
 * Resolves a well-formed token, given as its SHA-256 hex digest, to its instance: the isolate's
 * memory tier first, then KV, then one PostgREST query shared by concurrent misses. The one
 * digest is both the cache key and the lookup filter, so the token itself is not needed here.
 * A KV hit is remembered in memory. A database result is remembered in memory and written to
 * KV after the response is sent. A failed lookup throws and is cached nowhere.
 */
export async function resolveInstance(
  tokenDigestHex: string,
  resolveContext: ResolveContext,
): Promise<ResolvedInstance> {
  const { config, log, ctx, timing } = resolveContext;
  const key = tokenCacheKey(tokenDigestHex);
  const generation = cacheGeneration();
  const cacheStartedAt = Date.now();
  const remembered = readMemoryTier(key, config);
  if (remembered !== undefined) {
    timing.recordSince("cache", cacheStartedAt, "memory");
    return { instance: remembered.instance, source: "memory" };
  }
  const cached = await readCachedLookup(config.tokenCache, key, log);
  if (cached !== undefined) {
    timing.recordSince("cache", cacheStartedAt, "kv");
    rememberLookup(key, cached, generation, config);
    return { instance: cached.instance, source: "cache" };
  }
  // A lookup that finished while this request read KV has since put its result in memory, so
  // checking again keeps this request from sending a second query for the same token.
  const rememberedSinceRead = readMemoryTier(key, config);
  if (rememberedSinceRead !== undefined) {
    timing.recordSince("cache", cacheStartedAt, "memory");
    return { instance: rememberedSinceRead.instance, source: "memory" };
  }
  timing.recordSince("cache", cacheStartedAt, "miss");
  const lookUpAndCache = () =>
    lookUpAndCacheInstance(tokenDigestHex, key, generation, resolveContext);
  // Each request records its own wait, including one that joined another request's query.
  const databaseStartedAt = Date.now();
  try {
    const instance = await databaseLookups.run(`${generation}:${key}`, lookUpAndCache, ctx);
    return { instance, source: "database" };
  } finally {
    timing.recordSince("db", databaseStartedAt);
  }
}

/**
 * Queries PostgREST and caches the result, unless a purge ran since the lookup started.
 * NOTE: the generation orders only the purges of this isolate. KV has no compare-and-set, so
 * a lookup in another isolate that read the row before the change can write it to KV after
 * the purge. It then stays until its TTL ends (300 s found, 60 s not found) or the next purge.
 */
async function lookUpAndCacheInstance(
  tokenDigestHex: string,
  key: string,
  generation: number,
  { config, log, ctx }: ResolveContext,
): Promise<InstanceRecord | null> {
  const instance = await lookupInstanceByTokenDigest(tokenDigestHex, config, log);
  if (!isCacheGenerationCurrent(generation)) {
    log.info("token_cache_write_skipped", { reason: "purged_during_lookup" });
    return instance;
  }
  rememberLookup(key, { instance }, generation, config);
  // writeCachedLookup calls KV put before its first await, so no purge of this isolate can
  // run between the check above and the put.
  ctx.waitUntil(writeCachedLookup(config.tokenCache, key, instance, log));
  return instance;
}
