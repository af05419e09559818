/**
 * Compares two secrets so that the time taken reveals neither how many leading characters
 * match nor whether the lengths match. Both are hashed with SHA-256 first, so the compared
 * buffers are always 32 bytes. crypto.subtle.timingSafeEqual, a workerd extension of Web
 * Crypto, then reads every byte instead of stopping at the first difference.
 */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const [presentedDigest, expectedDigest] = await Promise.all([
    sha256(presented),
    sha256(expected),
  ]);
  return crypto.subtle.timingSafeEqual(presentedDigest, expectedDigest);
}

function sha256(value: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
}
