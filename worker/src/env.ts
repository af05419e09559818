import * as v from "valibot";
import { GatewayError, MISCONFIGURED_MESSAGE } from "./errors";
import type { Logger } from "./logger";

/** Bindings as wrangler declares them; `loadConfig` checks their values before any use. */
export interface Env {
  TOKEN_CACHE: KVNamespace;
  SUPABASE_URL: string;
  SUPABASE_SERVICE_ROLE_KEY: string;
  GATEWAY_SHARED_SECRET: string;
  /** Optional: without it the cache purge endpoint stays disabled. */
  ADMIN_SECRET?: string;
  /** A string from a secret or .dev.vars, or a number from a TOML [vars] entry. */
  POSTGREST_TIMEOUT_MS?: string | number;
  SEND_TEXT_TIMEOUT_MS?: string | number;
  MEMORY_CACHE_MAX_ENTRIES?: string | number;
  MEMORY_CACHE_TTL_SECONDS?: string | number;
}

/** The validated configuration every request works with. */
export interface GatewayConfig {
  tokenCache: KVNamespace;
  /** Base URL without a trailing slash, e.g. "http://127.0.0.1:54321". */
  supabaseUrl: string;
  serviceRoleKey: string;
  gatewaySharedSecret: string;
  adminSecret: string | undefined;
  postgrestTimeoutMs: number;
  sendTextTimeoutMs: number;
  /** Maximum number of lookups the isolate keeps in memory. 0 turns the memory tier off. */
  memoryCacheMaxEntries: number;
  memoryCacheTtlSeconds: number;
}

export const DEFAULT_POSTGREST_TIMEOUT_MS = 3_000;
export const DEFAULT_SEND_TEXT_TIMEOUT_MS = 20_000;
// A lookup slower than 30 s means the database is down, so a longer timeout only delays the 503.
const MAX_POSTGREST_TIMEOUT_MS = 30_000;
const MAX_SEND_TEXT_TIMEOUT_MS = 120_000;

export const DEFAULT_MEMORY_CACHE_MAX_ENTRIES = 10_000;
export const DEFAULT_MEMORY_CACHE_TTL_SECONDS = 10;
// Estimate: a found lookup took about 440 bytes of heap per entry in Node 20 (measured with
// process.memoryUsage() over 100,000 entries), so the maximum uses about 44 MB of the 128 MB
// a Worker isolate may use. workerd's V8 build can differ.
const MAX_MEMORY_CACHE_ENTRIES = 100_000;
// A purge clears only the isolate that serves it, so the TTL bounds how long other isolates
// keep a purged lookup.
const MAX_MEMORY_CACHE_TTL_SECONDS = 60;

const secretSchema = v.pipe(v.string("must be set"), v.nonEmpty("must not be empty"));

interface WholeNumberRule {
  /** Plural unit for the messages, e.g. "milliseconds". */
  unit: string;
  /** Formats a bound with its unit, e.g. 30000 -> "30000 ms". */
  formatBound: (value: number) => string;
  defaultValue: number;
  min: number;
  max: number;
}

/** Accepts a whole number as a string (secrets, .dev.vars) or a number (TOML [vars]). */
function wholeNumberSchema({ unit, formatBound, defaultValue, min, max }: WholeNumberRule) {
  const wholeNumber = `must be a whole number of ${unit}`;
  return v.optional(
    v.pipe(
      v.union([v.pipe(v.string(), v.regex(/^[0-9]{1,9}$/, wholeNumber)), v.number()], wholeNumber),
      v.transform(Number),
      v.integer(wholeNumber),
      v.minValue(min, `must be at least ${formatBound(min)}`),
      v.maxValue(max, `must be at most ${formatBound(max)}`),
    ),
    defaultValue,
  );
}

function timeoutMsSchema(defaultMs: number, maxMs: number) {
  const formatBound = (ms: number) => `${ms} ms`;
  return wholeNumberSchema({
    unit: "milliseconds",
    formatBound,
    defaultValue: defaultMs,
    min: 1,
    max: maxMs,
  });
}

function countWith(singular: string, plural: string) {
  return (count: number) => `${count} ${count === 1 ? singular : plural}`;
}

const EnvSchema = v.object({
  TOKEN_CACHE: v.custom<KVNamespace>(
    (value) => typeof (value as KVNamespace | undefined)?.get === "function",
    "must be bound to a KV namespace",
  ),
  SUPABASE_URL: v.pipe(
    v.string("must be set"),
    v.url("must be an absolute URL"),
    v.check((url) => /^https?:\/\//i.test(url), "must be an http or https URL"),
    v.transform((url) => url.replace(/\/+$/, "")),
  ),
  SUPABASE_SERVICE_ROLE_KEY: secretSchema,
  GATEWAY_SHARED_SECRET: secretSchema,
  // An empty admin secret counts as unset, so the purge endpoint never compares against "".
  ADMIN_SECRET: v.pipe(
    v.optional(v.string("must be a string")),
    v.transform((secret) => (secret === "" ? undefined : secret)),
  ),
  POSTGREST_TIMEOUT_MS: timeoutMsSchema(DEFAULT_POSTGREST_TIMEOUT_MS, MAX_POSTGREST_TIMEOUT_MS),
  SEND_TEXT_TIMEOUT_MS: timeoutMsSchema(DEFAULT_SEND_TEXT_TIMEOUT_MS, MAX_SEND_TEXT_TIMEOUT_MS),
  MEMORY_CACHE_MAX_ENTRIES: wholeNumberSchema({
    unit: "entries",
    formatBound: countWith("entry", "entries"),
    defaultValue: DEFAULT_MEMORY_CACHE_MAX_ENTRIES,
    min: 0,
    max: MAX_MEMORY_CACHE_ENTRIES,
  }),
  MEMORY_CACHE_TTL_SECONDS: wholeNumberSchema({
    unit: "seconds",
    formatBound: countWith("second", "seconds"),
    defaultValue: DEFAULT_MEMORY_CACHE_TTL_SECONDS,
    min: 1,
    max: MAX_MEMORY_CACHE_TTL_SECONDS,
  }),
});

interface ConfigProblem {
  variable: string;
  reason: string;
}

type ConfigResult = { config: GatewayConfig } | { problems: ConfigProblem[] };

// The local workerd passes one env object to every request of an isolate, so the schema runs
// once per isolate. A test that passes its own env object gets its own validation.
const validatedEnvs = new WeakMap<object, ConfigResult>();

/**
 * Returns the validated configuration, or throws 500 gateway_misconfigured. The names of the
 * bad variables go to the log only, so a client learns nothing about the deployment.
 */
export function loadConfig(env: Env, log: Logger): GatewayConfig {
  let result = validatedEnvs.get(env);
  if (result === undefined) {
    result = validateEnv(env);
    validatedEnvs.set(env, result);
  }
  if ("config" in result) {
    return result.config;
  }
  for (const problem of result.problems) {
    log.error("config_invalid", { variable: problem.variable, reason: problem.reason });
  }
  throw new GatewayError("gateway_misconfigured", MISCONFIGURED_MESSAGE);
}

function validateEnv(env: Env): ConfigResult {
  const parsed = v.safeParse(EnvSchema, env, { abortPipeEarly: true });
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => ({
      variable: v.getDotPath(issue) ?? "env",
      reason: issue.message,
    }));
    return { problems };
  }
  const output = parsed.output;
  const config: GatewayConfig = {
    tokenCache: output.TOKEN_CACHE,
    supabaseUrl: output.SUPABASE_URL,
    serviceRoleKey: output.SUPABASE_SERVICE_ROLE_KEY,
    gatewaySharedSecret: output.GATEWAY_SHARED_SECRET,
    adminSecret: output.ADMIN_SECRET,
    postgrestTimeoutMs: output.POSTGREST_TIMEOUT_MS,
    sendTextTimeoutMs: output.SEND_TEXT_TIMEOUT_MS,
    memoryCacheMaxEntries: output.MEMORY_CACHE_MAX_ENTRIES,
    memoryCacheTtlSeconds: output.MEMORY_CACHE_TTL_SECONDS,
  };
  return { config };
}
