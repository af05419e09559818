import { GatewayError } from "./errors";
import { describeError, type Logger } from "./logger";
import { invalidateMemoryTier } from "./memory-tier";
import type { KeyPage } from "./purge-request";
import { TOKEN_CACHE_KEY_PREFIX, tokenCacheKey } from "./token-cache";
import { sha256Hex, tokenHashForLog } from "./token-hash";

/** Seconds a client is asked to wait after a KV list or delete failed. */
export const CACHE_RETRY_AFTER_SECONDS = 1;

export interface TokenPurgeResult {
  /** Number of distinct keys deleted; a key that was not cached counts too. */
  purged: number;
  /** First 8 hex characters of each deleted key's token digest, in request order. */
  keys: string[];
}

export interface PagePurgeResult {
  purged: number;
  /** Cursor of the next page, or null when this page was the last. */
  cursor: string | null;
}

export interface KeyListing {
  keys: string[];
  cursor: string | null;
}

interface ListedPage {
  names: string[];
  cursor: string | null;
}

/**
 * Deletes the cached lookups of `tokens` from KV and from this isolate's memory tier. Throws
 * 503 cache_unavailable when a KV delete fails, so the caller retries the whole request.
 */
export async function purgeTokens(
  tokens: readonly string[],
  kv: KVNamespace,
  log: Logger,
): Promise<TokenPurgeResult> {
  const digests = [...new Set(await Promise.all(tokens.map(sha256Hex)))];
  const keys = digests.map(tokenCacheKey);
  await withMemoryTierInvalidated(keys, () => deleteKvKeys(keys, kv, log));
  const tokenHashes = digests.map(tokenHashForLog);
  log.info("token_cache_purged", {
    mode: "tokens",
    purged: keys.length,
    tokenHashes: tokenHashes.join(","),
  });
  return { purged: keys.length, keys: tokenHashes };
}

/**
 * Deletes one page of keys under the token cache prefix and clears this isolate's memory tier.
 * KV is eventually consistent, so a key written recently in another location can be missing
 * from the page.
 */
export async function purgeKeyPage(
  page: KeyPage,
  kv: KVNamespace,
  log: Logger,
): Promise<PagePurgeResult> {
  return withMemoryTierInvalidated(undefined, async () => {
    const listed = await listKeyPage(page, kv, log);
    await deleteKvKeys(listed.names, kv, log);
    const purged = listed.names.length;
    log.info("token_cache_purged", { mode: "all", purged, lastPage: listed.cursor === null });
    return { purged, cursor: listed.cursor };
  });
}

/** Lists one page of keys as the first 8 hex characters of each token digest. */
export async function listTokenCacheKeys(
  page: KeyPage,
  kv: KVNamespace,
  log: Logger,
): Promise<KeyListing> {
  const listed = await listKeyPage(page, kv, log);
  const keys = listed.names.map((name) =>
    tokenHashForLog(name.slice(TOKEN_CACHE_KEY_PREFIX.length)),
  );
  return { keys, cursor: listed.cursor };
}

// The tier is invalidated before the work, so lookups running now skip their cache writes.
// It is invalidated again after the work, because a lookup that started in between may have
// read a KV value just before its delete and remembered it.
async function withMemoryTierInvalidated<T>(
  keys: readonly string[] | undefined,
  work: () => Promise<T>,
): Promise<T> {
  invalidateMemoryTier(keys);
  try {
    return await work();
  } finally {
    invalidateMemoryTier(keys);
  }
}

async function listKeyPage(page: KeyPage, kv: KVNamespace, log: Logger): Promise<ListedPage> {
  let result: KVNamespaceListResult<unknown>;
  try {
    result = await kv.list({
      prefix: TOKEN_CACHE_KEY_PREFIX,
      limit: page.limit,
      cursor: page.cursor,
    });
  } catch (error) {
    log.error("token_cache_list_failed", describeError(error));
    throw cacheUnavailable();
  }
  const names = result.keys.map((key) => key.name);
  return { names, cursor: result.list_complete ? null : result.cursor };
}

// Cloudflare's Workers limits page: KV calls beyond six open connections wait in a queue
// instead of failing, so all deletes of a page can be started at once.
async function deleteKvKeys(keys: readonly string[], kv: KVNamespace, log: Logger): Promise<void> {
  const results = await Promise.allSettled(keys.map((key) => kv.delete(key)));
  const failures = results.filter((result) => result.status === "rejected");
  const [firstFailure] = failures;
  if (firstFailure === undefined) {
    return;
  }
  log.error("token_cache_purge_failed", {
    failedDeletes: failures.length,
    attemptedDeletes: keys.length,
    ...describeError(firstFailure.reason),
  });
  throw cacheUnavailable();
}

function cacheUnavailable(): GatewayError {
  return new GatewayError(
    "cache_unavailable",
    "The token cache is unavailable; retry the request in a few seconds",
    { retryAfterSeconds: CACHE_RETRY_AFTER_SECONDS },
  );
}
