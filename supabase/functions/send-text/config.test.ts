import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { EnvError } from "../_shared/env.ts";
import { loadSendTextConfig } from "./config.ts";

const COMPLETE_ENV: Record<string, string> = {
  SUPABASE_URL: "http://127.0.0.1:54321/",
  SUPABASE_SERVICE_ROLE_KEY: "local-service-role-key",
  GATEWAY_SHARED_SECRET: "local-gateway-shared-secret",
  UAZAPI_BASE_URL: "http://127.0.0.1:54330",
};

function readerFor(env: Record<string, string>) {
  return (name: string): string | undefined => env[name];
}

function assertEnvError(env: Record<string, string>, variable: string, message: string): void {
  throws(
    () => loadSendTextConfig(readerFor(env)),
    (error: unknown) => {
      strictEqual(error instanceof EnvError, true);
      strictEqual((error as EnvError).variable, variable);
      strictEqual((error as EnvError).message, message);
      return true;
    },
  );
}

Deno.test("config reads every variable", () => {
  const env = { ...COMPLETE_ENV, PROVIDER_TIMEOUT_MS: "2500", POSTGREST_TIMEOUT_MS: "700" };

  deepStrictEqual(loadSendTextConfig(readerFor(env)), {
    supabaseUrl: "http://127.0.0.1:54321",
    serviceRoleKey: "local-service-role-key",
    gatewaySharedSecret: "local-gateway-shared-secret",
    uazapiBaseUrl: "http://127.0.0.1:54330",
    providerTimeoutMs: 2500,
    postgrestTimeoutMs: 700,
  });
});

Deno.test("config defaults both timeouts", () => {
  const config = loadSendTextConfig(readerFor(COMPLETE_ENV));

  strictEqual(config.providerTimeoutMs, 15_000);
  strictEqual(config.postgrestTimeoutMs, 3_000);
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

for (const variable of ["SUPABASE_URL", "UAZAPI_BASE_URL"]) {
  Deno.test(`config rejects ${variable} that is not an http URL`, () => {
    const message = `Invalid environment variable ${variable}: expected an http(s) URL.`;

    assertEnvError({ ...COMPLETE_ENV, [variable]: "127.0.0.1:54321" }, variable, message);
    assertEnvError({ ...COMPLETE_ENV, [variable]: "ftp://127.0.0.1" }, variable, message);
  });
}

for (const [variable, example] of [
  ["PROVIDER_TIMEOUT_MS", 15000],
  ["POSTGREST_TIMEOUT_MS", 3000],
] as const) {
  Deno.test(`config rejects ${variable} that is not a positive integer`, () => {
    const message = `Invalid environment variable ${variable}: expected a positive whole number, for example ${example}.`;

    for (const value of ["0", "-1", "1.5", "abc", "15s"]) {
      assertEnvError({ ...COMPLETE_ENV, [variable]: value }, variable, message);
    }
  });
}

Deno.test("config reads the process environment by default", () => {
  const names = [...Object.keys(COMPLETE_ENV), "PROVIDER_TIMEOUT_MS", "POSTGREST_TIMEOUT_MS"];
  const saved = new Map(names.map((name) => [name, Deno.env.get(name)]));
  try {
    for (const name of names) {
      Deno.env.delete(name);
    }
    for (const [name, value] of Object.entries(COMPLETE_ENV)) {
      Deno.env.set(name, value);
    }
    strictEqual(loadSendTextConfig().uazapiBaseUrl, "http://127.0.0.1:54330");
    Deno.env.delete("UAZAPI_BASE_URL");
    throws(() => loadSendTextConfig(), /Missing required environment variable UAZAPI_BASE_URL\./);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) {
        Deno.env.delete(name);
      } else {
        Deno.env.set(name, value);
      }
    }
  }
});
