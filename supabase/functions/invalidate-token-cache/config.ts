import {
  type EnvReader,
  readDenoEnv,
  readPositiveIntegerEnv,
  readRequiredEnv,
  readUrlEnv,
} from "../_shared/env.ts";

/** Short enough that the function responds to a database webhook within a second. */
export const DEFAULT_PURGE_TIMEOUT_MS = 800;

/** Settings of the invalidate-token-cache function, read once when the function starts. */
export interface InvalidateTokenCacheConfig {
  /** Secret that the database webhook sends in X-Webhook-Secret. */
  webhookSecret: string;
  /** Base URL of the gateway Worker without a trailing slash (GATEWAY_URL). */
  gatewayUrl: string;
  /** Bearer token of the Worker's purge endpoint; equal to the Worker's ADMIN_SECRET. */
  adminSecret: string;
  /** Time limit of the whole purge request, including its response body. */
  purgeTimeoutMs: number;
}

/**
 * Reads the function's settings, raising EnvError that names the first missing or invalid
 * variable. No variable falls back to an empty string.
 */
export function loadInvalidateTokenCacheConfig(
  read: EnvReader = readDenoEnv,
): InvalidateTokenCacheConfig {
  return {
    webhookSecret: readRequiredEnv(read, "WEBHOOK_SECRET"),
    gatewayUrl: readUrlEnv(read, "GATEWAY_URL"),
    adminSecret: readRequiredEnv(read, "ADMIN_SECRET"),
    purgeTimeoutMs: readPositiveIntegerEnv(read, "PURGE_TIMEOUT_MS", DEFAULT_PURGE_TIMEOUT_MS),
  };
}
