import * as v from "valibot";
import { type InstanceRecord, InstanceRecordSchema } from "./instance-record";
import { describeError, type Logger } from "./logger";

/** KV key prefix; the rest of the key is the SHA-256 hex digest of the token, never the token. */
export const TOKEN_CACHE_KEY_PREFIX = "instance-token:v1:";

export const FOUND_TTL_SECONDS = 300;
/** KV rejects an expirationTtl below 60 seconds, so a "not found" cannot be cached for less. */
export const NOT_FOUND_TTL_SECONDS = 60;

const CACHE_VALUE_VERSION = 1;

/**
 * Maximum time a KV read may take. A slower read counts as a miss, so a KV outage that leaves
 * reads pending delays each request by this long before the database is queried, instead of
 * leaving the request pending.
 */
export const KV_READ_TIMEOUT_MS = 1_000;

// Stored value: {"version":1,"instance":{id,user_id,name,status}}, or "instance": null for a
// token that matched no row. A value of any other shape is treated as a miss.
const CachedValueSchema = v.object({
  version: v.literal(CACHE_VALUE_VERSION),
  instance: v.nullable(InstanceRecordSchema),
});

/** A cached lookup: the record, or null when the token is cached as matching no instance. */
export type CachedLookup = { instance: InstanceRecord | null };

export function tokenCacheKey(tokenDigestHex: string): string {
  return `${TOKEN_CACHE_KEY_PREFIX}${tokenDigestHex}`;
}

/**
 * Reads a cached lookup, or returns undefined on a miss. A failed read, a read slower than
 * KV_READ_TIMEOUT_MS or an unreadable value is logged and counts as a miss, so the request goes
 * on to the database.
 */
export async function readCachedLookup(
  kv: KVNamespace,
  key: string,
  log: Logger,
): Promise<CachedLookup | undefined> {
  let stored: string | null;
  try {
    stored = await getWithTimeout(kv, key);
  } catch (error) {
    const reason = error instanceof KvReadTimeoutError ? "timeout" : "error";
    log.warn("token_cache_read_failed", { reason, ...describeError(error) });
    return undefined;
  }
  if (stored === null) {
    return undefined;
  }
  const parsed = v.safeParse(CachedValueSchema, parseJsonOrUndefined(stored));
  if (!parsed.success) {
    log.warn("token_cache_value_invalid", { keyPrefix: TOKEN_CACHE_KEY_PREFIX });
    return undefined;
  }
  return { instance: parsed.output.instance };
}

/**
 * Stores a lookup for 300 s when found and 60 s when not. It never throws: a failed write is
 * logged, because the next request can still reach the database.
 */
export async function writeCachedLookup(
  kv: KVNamespace,
  key: string,
  instance: InstanceRecord | null,
  log: Logger,
): Promise<void> {
  const value = JSON.stringify({ version: CACHE_VALUE_VERSION, instance });
  const expirationTtl = instance === null ? NOT_FOUND_TTL_SECONDS : FOUND_TTL_SECONDS;
  try {
    await kv.put(key, value, { expirationTtl });
  } catch (error) {
    log.warn("token_cache_write_failed", describeError(error));
  }
}

class KvReadTimeoutError extends Error {
  override readonly name = "KvReadTimeoutError";
}

async function getWithTimeout(kv: KVNamespace, key: string): Promise<string | null> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new KvReadTimeoutError(`KV read took longer than ${KV_READ_TIMEOUT_MS} ms`));
    }, KV_READ_TIMEOUT_MS);
  });
  try {
    return await Promise.race([kv.get(key), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
