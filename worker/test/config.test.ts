import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/env";
import { createLogger } from "../src/logger";
import { expectError } from "./helpers/assertions";
import { callGateway, GATEWAY_ORIGIN, sendTextRequest, testEnv } from "./helpers/gateway";
import { useGatewayTest } from "./helpers/setup";

const t = useGatewayTest();

const MISCONFIGURED =
  "The gateway is misconfigured; its operator has to fix the deployment settings";

describe("configuration", () => {
  it.each([
    ["SUPABASE_SERVICE_ROLE_KEY", undefined, "must be set"],
    ["SUPABASE_SERVICE_ROLE_KEY", "", "must not be empty"],
    ["GATEWAY_SHARED_SECRET", undefined, "must be set"],
    ["GATEWAY_SHARED_SECRET", "", "must not be empty"],
    ["SUPABASE_URL", undefined, "must be set"],
    ["SUPABASE_URL", "127.0.0.1:54321", "must be an absolute URL"],
    ["SUPABASE_URL", "ftp://127.0.0.1", "must be an http or https URL"],
    ["TOKEN_CACHE", undefined, "must be bound to a KV namespace"],
    ["POSTGREST_TIMEOUT_MS", "3s", "must be a whole number of milliseconds"],
    ["POSTGREST_TIMEOUT_MS", "0", "must be at least 1 ms"],
    ["POSTGREST_TIMEOUT_MS", "30001", "must be at most 30000 ms"],
    ["SEND_TEXT_TIMEOUT_MS", "120001", "must be at most 120000 ms"],
    ["MEMORY_CACHE_MAX_ENTRIES", "-1", "must be a whole number of entries"],
    ["MEMORY_CACHE_MAX_ENTRIES", -1, "must be at least 0 entries"],
    ["MEMORY_CACHE_MAX_ENTRIES", 2.5, "must be a whole number of entries"],
    ["MEMORY_CACHE_MAX_ENTRIES", "100001", "must be at most 100000 entries"],
    ["MEMORY_CACHE_TTL_SECONDS", "10s", "must be a whole number of seconds"],
    ["MEMORY_CACHE_TTL_SECONDS", "0", "must be at least 1 second"],
    ["MEMORY_CACHE_TTL_SECONDS", "61", "must be at most 60 seconds"],
  ])("%s set to %j returns 500 and names it in the log only", async (variable, value, reason) => {
    const response = await callGateway(sendTextRequest(), testEnv({ [variable]: value }));

    await expectError(response, 500, "gateway_misconfigured", MISCONFIGURED);
    expect(t.upstream.calls).toHaveLength(0);
    const [logged] = t.logs.events("config_invalid");
    expect(logged).toMatchObject({ level: "error", variable, reason });
  });

  it("names every missing variable in the log", async () => {
    const gatewayEnv = testEnv({
      SUPABASE_SERVICE_ROLE_KEY: undefined,
      GATEWAY_SHARED_SECRET: undefined,
    });

    await callGateway(sendTextRequest(), gatewayEnv);

    const variables = t.logs.events("config_invalid").map((entry) => entry.variable);
    expect(variables).toEqual(["SUPABASE_SERVICE_ROLE_KEY", "GATEWAY_SHARED_SECRET"]);
  });

  it("health fails loudly without secrets", async () => {
    const response = await callGateway(
      new Request(`${GATEWAY_ORIGIN}/health`),
      testEnv({ GATEWAY_SHARED_SECRET: undefined }),
    );

    await expectError(response, 500, "gateway_misconfigured", MISCONFIGURED);
  });

  it("wrangler.toml alone lacks the secrets", async () => {
    const response = await exports.default.fetch(`${GATEWAY_ORIGIN}/health`);

    await expectError(response, 500, "gateway_misconfigured", MISCONFIGURED);
  });

  it.each([
    ["a trailing slash", { SUPABASE_URL: "http://127.0.0.1:54321/" }],
    ["numeric timeouts", { POSTGREST_TIMEOUT_MS: 2500, SEND_TEXT_TIMEOUT_MS: 15000 }],
    ["an empty ADMIN_SECRET", { ADMIN_SECRET: "" }],
    ["numeric memory tier settings", { MEMORY_CACHE_MAX_ENTRIES: 0, MEMORY_CACHE_TTL_SECONDS: 60 }],
    [
      "memory tier settings as strings",
      { MEMORY_CACHE_MAX_ENTRIES: "100000", MEMORY_CACHE_TTL_SECONDS: "1" },
    ],
  ])("accepts %s", async (_case, overrides) => {
    const response = await callGateway(sendTextRequest(), testEnv(overrides));

    expect(response.status).toBe(200);
    expect(t.upstream.postgrestCalls()[0]?.url.pathname).toBe("/rest/v1/whatsapp_instances");
  });

  it("memory tier defaults to 10000 entries for 10 seconds", () => {
    const config = loadConfig(testEnv(), createLogger("req-config-defaults"));

    expect(config.memoryCacheMaxEntries).toBe(10_000);
    expect(config.memoryCacheTtlSeconds).toBe(10);
  });
});
