import { sha256 } from "./hash.ts";

/**
 * Compares two strings in time that depends on neither their contents nor their lengths.
 *
 * Both values are hashed first, so the loop always runs over 32 bytes, and it visits every
 * byte without an early exit.
 */
export async function timingSafeEqual(actual: string, expected: string): Promise<boolean> {
  const [actualDigest, expectedDigest] = await Promise.all([sha256(actual), sha256(expected)]);
  let difference = 0;
  for (let index = 0; index < expectedDigest.length; index++) {
    difference |= (actualDigest[index] ?? 0) ^ (expectedDigest[index] ?? 0);
  }
  return difference === 0;
}

/**
 * Checks that the header `headerName` carries exactly `secret`, comparing in constant time. A
 * missing header never matches, even when `secret` is empty.
 */
export async function headerMatchesSecret(
  headers: Headers,
  headerName: string,
  secret: string,
): Promise<boolean> {
  const value = headers.get(headerName);
  const matches = await timingSafeEqual(value ?? "", secret);
  return value !== null && matches;
}
