import { createHash } from "node:crypto";

/**
 * Prefix of the Worker's token cache keys in KV. The rest of a key is the SHA-256 hex digest of
 * the token, so a key never contains the token itself.
 */
export const TOKEN_CACHE_KEY_PREFIX = "instance-token:v1:";

/** Length of the digest prefix that identifies a token in output without revealing it. */
export const TOKEN_HASH_LENGTH = 8;

/** A token's cache key and the short hash that output shows in its place. */
export interface TokenKey {
  /** Full KV key name: the prefix and the 64-character digest. */
  name: string;
  /** First 8 hex characters of the token's SHA-256 digest. */
  hash: string;
}

/** Derives the cache key of a trimmed, valid token, as the Worker does. */
export function tokenKey(token: string): TokenKey {
  const digest = createHash("sha256").update(token, "utf8").digest("hex");
  return { name: `${TOKEN_CACHE_KEY_PREFIX}${digest}`, hash: digest.slice(0, TOKEN_HASH_LENGTH) };
}

/** Returns the short hash shown for a listed KV key name. */
export function hashOfKeyName(name: string): string {
  const digest = name.startsWith(TOKEN_CACHE_KEY_PREFIX)
    ? name.slice(TOKEN_CACHE_KEY_PREFIX.length)
    : name;
  return digest.slice(0, TOKEN_HASH_LENGTH);
}
