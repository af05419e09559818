import type { GatewayConfig } from "./env";
import { lookupInstanceByToken } from "./instance-lookup";
import type { InstanceRecord } from "./instance-record";
import type { Logger } from "./logger";
import { SingleFlight } from "./single-flight";
import { readCachedLookup, tokenCacheKey, writeCachedLookup } from "./token-cache";

/** Origin of a resolved record, logged to show the cache hit rate. */
export type InstanceSource = "cache" | "database";

export interface ResolvedInstance {
  /** The instance that owns the token, or null when no instance has it. */
  instance: InstanceRecord | null;
  source: InstanceSource;
}

export interface ResolveContext {
  config: GatewayConfig;
  log: Logger;
  ctx: ExecutionContext;
}

// Keyed by cache key (a digest), so the raw token is not kept as a map key.
const databaseLookups = new SingleFlight<InstanceRecord | null>();

/**
 * Resolves a well-formed token to its instance: KV first, then one PostgREST query shared by
 * concurrent misses, whose result is written back to KV after the response is sent.
 */
export async function resolveInstance(
  token: string,
  tokenDigestHex: string,
  { config, log, ctx }: ResolveContext,
): Promise<ResolvedInstance> {
  const key = tokenCacheKey(tokenDigestHex);
  const cached = await readCachedLookup(config.tokenCache, key, log);
  if (cached !== undefined) {
    return { instance: cached.instance, source: "cache" };
  }
  const lookUpAndCache = async (): Promise<InstanceRecord | null> => {
    const instance = await lookupInstanceByToken(token, config, log);
    ctx.waitUntil(writeCachedLookup(config.tokenCache, key, instance, log));
    return instance;
  };
  const instance = await databaseLookups.run(key, lookUpAndCache, ctx);
  return { instance, source: "database" };
}
