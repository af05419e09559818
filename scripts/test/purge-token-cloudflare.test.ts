import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type CloudflareKvApi, startCloudflareKvApi } from "../local/cloudflare-kv-api.ts";
import { runPurgeCli, tokenCacheKeyName, tokenHash8 } from "./helpers/purge-cli.ts";

const ACCOUNT_ID = "0123456789abcdef0123456789abcdef";
const STAGING_NAMESPACE_ID = "5a7e1c0de5a7e1c0de5a7e1c0de5a7e1";
const API_TOKEN = "purge-cli-test-api-token";
const PREFIX = "instance-token:v1:";

const WRANGLER_TOML = `name = "gateway"

[[kv_namespaces]]
binding = "TOKEN_CACHE"
id = "00000000000000000000000000000000"

[env.staging]
name = "gateway-staging"

# The id of the staging namespace.
[[env.staging.kv_namespaces]]
binding = "OTHER"
id = "ffffffffffffffffffffffffffffffff"

[[env.staging.kv_namespaces]]
binding = "TOKEN_CACHE" # the cache the CLI purges
id = "${STAGING_NAMESPACE_ID}"
`;

let api: CloudflareKvApi;
let tempDir: string;
let configPath: string;

beforeAll(async () => {
  api = await startCloudflareKvApi({
    host: "127.0.0.1",
    port: 0,
    accountId: ACCOUNT_ID,
    namespaceId: STAGING_NAMESPACE_ID,
    apiToken: API_TOKEN,
  });
  tempDir = await mkdtemp(path.join(tmpdir(), "purge-token-"));
  configPath = path.join(tempDir, "wrangler.toml");
  await writeFile(configPath, WRANGLER_TOML);
});

afterAll(async () => {
  await api.close();
  await rm(tempDir, { recursive: true, force: true });
});

beforeEach(() => {
  api.reset();
});

function cloudflareEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CLOUDFLARE_API_BASE_URL: api.url,
    CLOUDFLARE_ACCOUNT_ID: ACCOUNT_ID,
    CLOUDFLARE_API_TOKEN: API_TOKEN,
    ...overrides,
  };
}

function runViaCloudflare(args: string[], env = cloudflareEnv(), stdin = "") {
  return runPurgeCli(
    ["--via", "cloudflare", "--env", "staging", "--config", configPath, ...args],
    env,
    stdin,
  );
}

/** Caches the lookups of tokens token-0, token-1, ... and returns their key names, sorted. */
function putCacheKeys(count: number): string[] {
  const names = Array.from({ length: count }, (_, index) => tokenCacheKeyName(`token-${index}`));
  for (const name of names) api.put(name, '{"version":1,"instance":null}');
  return names.sort();
}

function hash8Of(name: string): string {
  return name.slice(PREFIX.length, PREFIX.length + 8);
}

function callsTo(suffix: string): number {
  return api.requests().filter((request) => request.path.endsWith(suffix)).length;
}

describe("purge-token --via cloudflare", () => {
  it("purges 12,000 keys with paged lists and two bulk deletes", async () => {
    const names = putCacheKeys(12_000);
    api.put("unrelated:key", "kept");

    const run = await runViaCloudflare(["--all", "--json"]);

    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      purged: 12_000,
      failed: 0,
      dryRun: false,
      via: "cloudflare",
      errors: [],
    });
    expect(summary.keys).toEqual(names.map(hash8Of));
    expect(api.keys()).toEqual(["unrelated:key"]);
    expect(callsTo("/keys")).toBe(12);
    expect(callsTo("/bulk/delete")).toBe(2);
    for (const request of api.requests().filter((item) => item.path.endsWith("/keys"))) {
      expect(request.query.get("prefix")).toBe(PREFIX);
      expect(request.query.get("limit")).toBe("1000");
    }
  });

  it("purges 1,500 keys over two list pages", async () => {
    putCacheKeys(1_500);

    const run = await runViaCloudflare(["--all"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Purged 1500 keys under instance-token:v1: from KV namespace ${STAGING_NAMESPACE_ID} through Cloudflare's API.\n`,
    );
    expect(api.keys()).toEqual([]);
    expect(callsTo("/keys")).toBe(2);
    expect(callsTo("/bulk/delete")).toBe(1);
    expect(run.stderr).toBe(
      [
        "Purging all keys: 1000 listed, 0 purged",
        "Purging all keys: 1500 listed, 0 purged",
        "Purging all keys: 1500 listed, 1500 purged",
        "",
      ].join("\n"),
    );
  });

  it("purges given tokens by their key names", async () => {
    api.put(tokenCacheKeyName("abc123"), "{}");
    api.put(tokenCacheKeyName("def456"), "{}");

    const run = await runViaCloudflare(["--stdin"], cloudflareEnv(), "abc123\n");

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Purged ${tokenHash8("abc123")}\nPurged 1 key from KV namespace ${STAGING_NAMESPACE_ID} through Cloudflare's API.\n`,
    );
    expect(api.keys()).toEqual([tokenCacheKeyName("def456")]);
    expect(run.stdout + run.stderr).not.toContain("abc123");
  });

  it("lists keys in a dry run and deletes nothing", async () => {
    const names = putCacheKeys(3);

    const run = await runViaCloudflare(["--all", "--dry-run"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        ...names.map((name) => `Would purge ${hash8Of(name)}`),
        `Dry run: 3 keys under instance-token:v1: would be purged from KV namespace ${STAGING_NAMESPACE_ID} through Cloudflare's API; nothing was changed.`,
        "",
      ].join("\n"),
    );
    expect(api.keys()).toEqual(names);
    expect(callsTo("/bulk/delete")).toBe(0);
  });

  it("exits 1 when Cloudflare could not delete a key", async () => {
    const [kept = "", deleted = ""] = putCacheKeys(2);
    api.failDeletesOf([kept]);
    expect(deleted).not.toBe("");

    const run = await runViaCloudflare(["--all", "--json"]);

    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ purged: 1, failed: 1 });
    expect(run.stderr).toContain(
      `error: Cloudflare could not delete ${hash8Of(kept)}; purge them again\n`,
    );
    expect(api.keys()).toEqual([kept]);
  });

  it("exits 2 with the envelope's error for a wrong API token", async () => {
    putCacheKeys(1);

    const run = await runViaCloudflare(
      ["--all"],
      cloudflareEnv({ CLOUDFLARE_API_TOKEN: "not-the-api-token" }),
    );

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: Cloudflare's API rejected CLOUDFLARE_API_TOKEN (403: 10000 Authentication error); check the token and that it has the Workers KV Storage Write permission on account ${ACCOUNT_ID}\n`,
    );
    expect(run.stdout + run.stderr).not.toContain("not-the-api-token");
    expect(api.keys()).toHaveLength(1);
  });

  it("uses the top-level namespace id without --env", async () => {
    const run = await runPurgeCli(
      ["--all", "--via", "cloudflare", "--config", configPath],
      cloudflareEnv(),
    );

    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `warning: the TOKEN_CACHE namespace id 00000000000000000000000000000000 for the top level in ${configPath} looks like a placeholder`,
    );
    expect(run.stderr).toContain(
      "error: Cloudflare's API found no KV namespace 00000000000000000000000000000000",
    );
    expect(api.requests()[0]?.path).toBe(
      `/accounts/${ACCOUNT_ID}/storage/kv/namespaces/00000000000000000000000000000000/keys`,
    );
  });

  it("exits 2 for an environment missing from wrangler.toml", async () => {
    const run = await runPurgeCli(
      ["--all", "--via", "cloudflare", "--env", "production", "--config", configPath],
      cloudflareEnv(),
    );

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: ${configPath} has no environment "production" (environments: staging); check --env\n`,
    );
    expect(api.requests()).toEqual([]);
  });

  it("exits 2 when CLOUDFLARE_API_TOKEN is not set", async () => {
    const env = cloudflareEnv();
    delete env.CLOUDFLARE_API_TOKEN;

    const run = await runViaCloudflare(["abc123"], env);

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "error: CLOUDFLARE_API_TOKEN is not set; --via cloudflare needs it: an API token with the Workers KV Storage Write permission\n",
    );
    expect(run.stdout).toBe("");
  });
});
