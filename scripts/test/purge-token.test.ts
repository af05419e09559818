import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LOCAL_SECRETS } from "../local/config.ts";
import {
  portsFrom,
  type StackProcess,
  sendText,
  startStackProcess,
} from "./helpers/local-stack-process.ts";
import { runPurgeCli, tokenHash8 } from "./helpers/purge-cli.ts";

const VENDAS_INSTANCE_ID = "00000000-0000-4000-8000-00000000b001";
const ABC123 = tokenHash8("abc123");
const DEF456 = tokenHash8("def456");
const LOCAL_SECRET_NOTE = "note: ADMIN_SECRET is not set; using the local stack's value\n";

let stack: StackProcess;
let stackEnv: Record<string, string>;

beforeAll(async () => {
  stack = await startStackProcess(portsFrom(28840));
  stackEnv = {
    GATEWAY_URL: stack.gatewayUrl,
    SUPABASE_URL: `http://127.0.0.1:${stack.ports.SUPABASE_API_PORT}`,
  };
}, 35_000);

afterAll(async () => {
  await stack?.stop();
});

beforeEach(async () => {
  const run = await runPurgeCli(["--all"], stackEnv);
  expect(run.code).toBe(0);
  expect(await cachedKeys()).toEqual([]);
});

async function cachedKeys(): Promise<string[]> {
  const response = await fetch(`${stack.gatewayUrl}/admin/cache/keys`, {
    headers: { Authorization: `Bearer ${LOCAL_SECRETS.ADMIN_SECRET}` },
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { keys: string[]; cursor: string | null };
  expect(body.cursor).toBeNull();
  return body.keys.sort();
}

/** Sends a request and waits for its KV entry, which the Worker writes after its response. */
async function warm(token: string): Promise<void> {
  const response = await sendText(stack.gatewayUrl, token, { number: "5511999999999", text: "oi" });
  expect(response.status).toBe(200);
  const deadline = Date.now() + 1_000;
  while (!(await cachedKeys()).includes(tokenHash8(token)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("purge-token against the local stack", () => {
  it("purges a token until the next request", async () => {
    await warm("abc123");
    expect(await cachedKeys()).toEqual([ABC123]);

    const run = await runPurgeCli(["abc123"], stackEnv);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Purged ${ABC123}\nPurged 1 key through the Worker at ${stack.gatewayUrl}.\n`,
    );
    expect(run.stderr).toBe(LOCAL_SECRET_NOTE);
    expect(run.stdout + run.stderr).not.toContain("abc123");
    expect(run.stdout + run.stderr).not.toContain(LOCAL_SECRETS.ADMIN_SECRET);
    expect(await cachedKeys()).toEqual([]);

    await warm("abc123");
    expect(await cachedKeys()).toEqual([ABC123]);
  });

  it("reads tokens from stdin and prints JSON", async () => {
    await warm("abc123");
    await warm("def456");

    const run = await runPurgeCli(["--stdin", "--json"], stackEnv, " abc123 \n\ndef456\nabc123\n");

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      purged: 2,
      failed: 0,
      keys: [ABC123, DEF456],
      dryRun: false,
      via: "worker",
      errors: [],
    });
    expect(await cachedKeys()).toEqual([]);
  });

  it("exits 2 when the admin secret is rejected", async () => {
    await warm("abc123");

    const run = await runPurgeCli(["abc123"], {
      ...stackEnv,
      ADMIN_SECRET: "not-the-admin-secret",
    });

    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: the gateway at ${stack.gatewayUrl} rejected the admin secret (401 invalid_admin_secret); check that ADMIN_SECRET matches the Worker's ADMIN_SECRET secret\n`,
    );
    expect(run.stdout).toBe(
      `Purged 0 keys through the Worker at ${stack.gatewayUrl}; 1 failed; stopped by the error above.\n`,
    );
    expect(await cachedKeys()).toEqual([ABC123]);
  });

  it("purges an instance's token looked up by id", async () => {
    await warm("abc123");
    await warm("def456");

    const run = await runPurgeCli(["--instance", VENDAS_INSTANCE_ID], stackEnv);

    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `Purged ${ABC123}\nPurged 1 key through the Worker at ${stack.gatewayUrl}.\n`,
    );
    expect(run.stderr).toBe(
      `${LOCAL_SECRET_NOTE}note: SUPABASE_SERVICE_ROLE_KEY is not set; using the local stack's value\n`,
    );
    expect(await cachedKeys()).toEqual([DEF456].sort());
  });

  it("exits 1 for an unknown instance id", async () => {
    const unknownId = "00000000-0000-4000-8000-00000000b999";

    const run = await runPurgeCli(["--instance", unknownId, "--json"], stackEnv);

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `error: instance ${unknownId} not found in whatsapp_instances at ${stackEnv.SUPABASE_URL}; check the id\n`,
    );
    expect(JSON.parse(run.stdout)).toMatchObject({ purged: 0, failed: 1, keys: [] });
  });

  it("purges every key with --all", async () => {
    await warm("abc123");
    await warm("def456");

    const run = await runPurgeCli(["--all", "--json"], stackEnv);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      purged: 2,
      failed: 0,
      keys: [],
      dryRun: false,
      via: "worker",
      errors: [],
    });
    expect(run.stderr).toBe(`${LOCAL_SECRET_NOTE}Purging all keys: 2 purged\n`);
    expect(await cachedKeys()).toEqual([]);
  });

  it("changes nothing in a dry run", async () => {
    await warm("abc123");
    await warm("def456");

    const all = await runPurgeCli(["--all", "--dry-run", "--json"], stackEnv);
    const one = await runPurgeCli(["--dry-run", "abc123"], stackEnv);

    expect(all.code).toBe(0);
    const summary = JSON.parse(all.stdout);
    expect(summary).toMatchObject({ purged: 0, failed: 0, dryRun: true, via: "worker" });
    expect(summary.keys.sort()).toEqual([ABC123, DEF456].sort());
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(
      `Would purge ${ABC123}\nDry run: 1 key would be purged through the Worker at ${stack.gatewayUrl}; nothing was changed.\n`,
    );
    expect(await cachedKeys()).toEqual([ABC123, DEF456].sort());
  });
});
