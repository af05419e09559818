import { createHash, timingSafeEqual } from "node:crypto";

/** Database roles that a Supabase API key maps to. */
export type ApiRole = "anon" | "service_role";

/** The project's two API keys, as Supabase issues them. */
export interface ApiKeys {
  anonKey: string;
  serviceRoleKey: string;
}

/**
 * Returns the role of an API key, or undefined when the value is neither key. The comparison
 * takes the same time whatever the value, so response times do not reveal a key's prefix.
 */
export function roleForApiKey(keys: ApiKeys, candidate: string | undefined): ApiRole | undefined {
  if (candidate === undefined) return undefined;
  // Both comparisons always run, so the time does not tell which key matched either.
  const isAnon = constantTimeEqual(candidate, keys.anonKey);
  const isServiceRole = constantTimeEqual(candidate, keys.serviceRoleKey);
  if (isServiceRole) return "service_role";
  if (isAnon) return "anon";
  return undefined;
}

/** Returns the credentials of an `Authorization: Bearer <credentials>` header, if it has that form. */
export function readBearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header ?? "");
  return match?.[1];
}

function constantTimeEqual(left: string, right: string): boolean {
  // Hashing first gives both buffers the same length, which timingSafeEqual requires.
  const leftDigest = createHash("sha256").update(left).digest();
  const rightDigest = createHash("sha256").update(right).digest();
  return timingSafeEqual(leftDigest, rightDigest);
}
