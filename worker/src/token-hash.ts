/** SHA-256 digest of a token as 64 lowercase hex characters; the cache key is built from it. */
export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Length of the digest prefix that identifies a token in logs without revealing it. */
export const TOKEN_HASH_LOG_LENGTH = 8;

/** Returns the log form of a token digest: its first 8 hex characters. */
export function tokenHashForLog(tokenDigestHex: string): string {
  return tokenDigestHex.slice(0, TOKEN_HASH_LOG_LENGTH);
}
