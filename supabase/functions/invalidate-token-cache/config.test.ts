import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { EnvError } from "../_shared/env.ts";
import { loadInvalidateTokenCacheConfig } from "./config.ts";

const COMPLETE_ENV: Record<string, string> = {
  WEBHOOK_SECRET: "local-webhook-secret",
  GATEWAY_URL: "http://127.0.0.1:8787/",
  ADMIN_SECRET: "local-admin-secret",
};

function readerFor(env: Record<string, string>) {
  return (name: string): string | undefined => env[name];
}

function assertEnvError(env: Record<string, string>, variable: string, message: string): void {
  throws(
    () => loadInvalidateTokenCacheConfig(readerFor(env)),
    (error: unknown) => {
      strictEqual(error instanceof EnvError, true);
      strictEqual((error as EnvError).variable, variable);
      strictEqual((error as EnvError).message, message);
      return true;
    },
  );
}

Deno.test("config reads every variable", () => {
  const env = { ...COMPLETE_ENV, PURGE_TIMEOUT_MS: "500" };

  deepStrictEqual(loadInvalidateTokenCacheConfig(readerFor(env)), {
    webhookSecret: "local-webhook-secret",
    gatewayUrl: "http://127.0.0.1:8787",
    adminSecret: "local-admin-secret",
    purgeTimeoutMs: 500,
  });
});

Deno.test("config defaults the purge timeout to 800 ms", () => {
  strictEqual(loadInvalidateTokenCacheConfig(readerFor(COMPLETE_ENV)).purgeTimeoutMs, 800);
});

for (const variable of Object.keys(COMPLETE_ENV)) {
  Deno.test(`config without ${variable} names it`, () => {
    const { [variable]: _removed, ...env } = COMPLETE_ENV;
    const message = `Missing required environment variable ${variable}. Set it before starting the function.`;

    assertEnvError(env, variable, message);
    assertEnvError({ ...env, [variable]: "" }, variable, message);
    assertEnvError({ ...env, [variable]: "   " }, variable, message);
  });
}

Deno.test("config rejects GATEWAY_URL that is not an http URL", () => {
  const message = "Invalid environment variable GATEWAY_URL: expected an http(s) URL.";

  assertEnvError({ ...COMPLETE_ENV, GATEWAY_URL: "127.0.0.1:8787" }, "GATEWAY_URL", message);
  assertEnvError({ ...COMPLETE_ENV, GATEWAY_URL: "ftp://127.0.0.1" }, "GATEWAY_URL", message);
});

Deno.test("config rejects PURGE_TIMEOUT_MS that is not a positive integer", () => {
  const message =
    "Invalid environment variable PURGE_TIMEOUT_MS: expected a positive whole number, for example 800.";

  for (const value of ["0", "-1", "1.5", "abc", "800ms"]) {
    assertEnvError({ ...COMPLETE_ENV, PURGE_TIMEOUT_MS: value }, "PURGE_TIMEOUT_MS", message);
  }
});
