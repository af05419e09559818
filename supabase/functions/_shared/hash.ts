const TOKEN_HASH_HEX_LENGTH = 8;

/** Computes the SHA-256 digest of the UTF-8 bytes of `text`. */
export async function sha256(text: string): Promise<Uint8Array> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest);
}

/** Computes the lower-case hex SHA-256 digest of `text`. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await sha256(text);
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Returns the first 8 hex characters of the token's SHA-256, the only form logs may contain. */
export async function hashTokenForLog(token: string): Promise<string> {
  const hex = await sha256Hex(token);
  return hex.slice(0, TOKEN_HASH_HEX_LENGTH);
}
