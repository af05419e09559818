import {
  type EnvReader,
  readDenoEnv,
  readPositiveIntegerEnv,
  readRequiredEnv,
  readUrlEnv,
} from "../_shared/env.ts";

export const DEFAULT_PROVIDER_TIMEOUT_MS = 15_000;
export const DEFAULT_POSTGREST_TIMEOUT_MS = 3_000;

/** Settings of the send-text function, read once when the function starts. */
export interface SendTextConfig {
  /** Supabase project URL without a trailing slash (SUPABASE_URL). */
  supabaseUrl: string;
  /** Key of the service_role, the only role that may read provider_token. */
  serviceRoleKey: string;
  /** Secret that the Worker sends in X-Gateway-Secret. */
  gatewaySharedSecret: string;
  /** uazapi server URL without a trailing slash (UAZAPI_BASE_URL). */
  uazapiBaseUrl: string;
  providerTimeoutMs: number;
  postgrestTimeoutMs: number;
}

/**
 * Reads the function's settings, raising EnvError that names the first missing or invalid
 * variable. No variable falls back to an empty string.
 */
export function loadSendTextConfig(read: EnvReader = readDenoEnv): SendTextConfig {
  return {
    supabaseUrl: readUrlEnv(read, "SUPABASE_URL"),
    serviceRoleKey: readRequiredEnv(read, "SUPABASE_SERVICE_ROLE_KEY"),
    gatewaySharedSecret: readRequiredEnv(read, "GATEWAY_SHARED_SECRET"),
    uazapiBaseUrl: readUrlEnv(read, "UAZAPI_BASE_URL"),
    providerTimeoutMs: readPositiveIntegerEnv(
      read,
      "PROVIDER_TIMEOUT_MS",
      DEFAULT_PROVIDER_TIMEOUT_MS,
    ),
    postgrestTimeoutMs: readPositiveIntegerEnv(
      read,
      "POSTGREST_TIMEOUT_MS",
      DEFAULT_POSTGREST_TIMEOUT_MS,
    ),
  };
}
