import { DEFAULT_PORTS, LOCAL_HOST, LOCAL_SECRETS } from "../local/config.ts";
import { ConfigError } from "./errors.ts";

export const DEFAULT_GATEWAY_URL = `http://${LOCAL_HOST}:${DEFAULT_PORTS.worker}`;
export const DEFAULT_SUPABASE_URL = `http://${LOCAL_HOST}:${DEFAULT_PORTS.supabaseApi}`;
export const DEFAULT_CLOUDFLARE_API_BASE_URL = "https://api.cloudflare.com/client/v4";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);
const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9]{1,64}$/;

export type Environment = Readonly<Record<string, string | undefined>>;

/** Receives a line about a setting that fell back to its local default. */
export type NoticeSink = (message: string) => void;

export interface WorkerSettings {
  gatewayUrl: string;
  adminSecret: string;
}

export interface SupabaseSettings {
  supabaseUrl: string;
  serviceRoleKey: string;
}

export interface CloudflareSettings {
  apiBaseUrl: string;
  accountId: string;
  apiToken: string;
}

/**
 * Reads GATEWAY_URL and ADMIN_SECRET. Unset, they fall back to the local stack's values. The
 * local secret is used only for a gateway on this machine, so it is never sent elsewhere.
 */
export function readWorkerSettings(env: Environment, notice: NoticeSink): WorkerSettings {
  const gatewayUrl = readUrl(env, "GATEWAY_URL", DEFAULT_GATEWAY_URL, notice);
  const adminSecret = readLocalSecret(env, "ADMIN_SECRET", gatewayUrl, notice, "GATEWAY_URL");
  return { gatewayUrl, adminSecret };
}

/** Reads SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY, with the same local fallbacks. */
export function readSupabaseSettings(env: Environment, notice: NoticeSink): SupabaseSettings {
  const supabaseUrl = readUrl(env, "SUPABASE_URL", DEFAULT_SUPABASE_URL, notice);
  const serviceRoleKey = readLocalSecret(
    env,
    "SUPABASE_SERVICE_ROLE_KEY",
    supabaseUrl,
    notice,
    "SUPABASE_URL",
  );
  return { supabaseUrl, serviceRoleKey };
}

/** Reads CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_API_TOKEN, which have no defaults. */
export function readCloudflareSettings(env: Environment): CloudflareSettings {
  const apiBaseUrl = readUrl(env, "CLOUDFLARE_API_BASE_URL", DEFAULT_CLOUDFLARE_API_BASE_URL);
  const accountId = readRequired(env, "CLOUDFLARE_ACCOUNT_ID", "the account id from the dashboard");
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    throw new ConfigError("CLOUDFLARE_ACCOUNT_ID must contain only letters and digits");
  }
  const apiToken = readRequired(
    env,
    "CLOUDFLARE_API_TOKEN",
    "an API token with the Workers KV Storage Write permission",
  );
  return { apiBaseUrl, accountId, apiToken };
}

function readUrl(env: Environment, name: string, fallback: string, notice?: NoticeSink): string {
  const value = nonEmpty(env[name]);
  if (value === undefined) {
    notice?.(`${name} is not set; using the local stack's ${fallback}`);
    return fallback;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name} is not a valid URL; set it to an http:// or https:// URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`${name} must start with http:// or https://`);
  }
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    throw new ConfigError(`${name} must not contain credentials, a query or a fragment`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

function readLocalSecret(
  env: Environment,
  name: keyof typeof LOCAL_SECRETS,
  url: string,
  notice: NoticeSink,
  urlName: string,
): string {
  const value = nonEmpty(env[name]);
  if (value !== undefined) return value;
  if (!LOOPBACK_HOSTS.has(new URL(url).hostname)) {
    throw new ConfigError(
      `${name} is not set; set it for ${url} (the local default applies only when ${urlName} is on this machine)`,
    );
  }
  notice(`${name} is not set; using the local stack's value`);
  return LOCAL_SECRETS[name];
}

function readRequired(env: Environment, name: string, description: string): string {
  const value = nonEmpty(env[name]);
  if (value === undefined) {
    throw new ConfigError(`${name} is not set; --via cloudflare needs it: ${description}`);
  }
  return value;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === "" ? undefined : trimmed;
}
