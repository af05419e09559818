import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../local/database.ts";
import { type PostgresServer, startPostgresServer } from "../local/postgres-server.ts";
import { type SupabaseApi, startSupabaseApi } from "../local/postgrest.ts";

const SERVICE_ROLE_KEY = "test-service-role-key";
const START_TIMEOUT_MS = 60_000;
const PSQL_TIMEOUT_MS = 10_000;
const POOL_TIMEOUT_MS = 300;
const PSQL_ENV = { ...process.env, PGCONNECT_TIMEOUT: "5", PGSSLMODE: "prefer" };

let db: PGlite;
let server: PostgresServer;
let api: SupabaseApi;
let configDir: string;
let databaseUrl: string;

beforeAll(async () => {
  db = await openLocalDatabase();
  server = await startPostgresServer(db, { host: "127.0.0.1", port: 0 });
  databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${server.port}/postgres`;
  configDir = await mkdtemp(path.join(tmpdir(), "postgres-server-test-"));
  const configPath = path.join(configDir, "config.toml");
  await writeFile(configPath, "");
  api = await startSupabaseApi({
    db,
    host: "127.0.0.1",
    port: 0,
    anonKey: "test-anon-key",
    serviceRoleKey: SERVICE_ROLE_KEY,
    functionsUrl: "http://127.0.0.1:9",
    functionsConfigPath: configPath,
    poolAcquisitionTimeoutMs: POOL_TIMEOUT_MS,
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await api?.close();
  await server?.close();
  await db?.close();
  await rm(configDir, { recursive: true, force: true });
});

/** Runs psql with `-c` commands and returns its unaligned, tuples-only output. */
function runPsql(...commands: string[]): Promise<{ code: number | null; output: string }> {
  const args = [databaseUrl, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1"];
  for (const command of commands) args.push("-c", command);
  const psql = spawn("psql", args, { env: PSQL_ENV });
  return collectOutput(psql);
}

function collectOutput(
  psql: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    let output = "";
    psql.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    psql.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const timer = setTimeout(() => {
      psql.kill("SIGKILL");
      reject(new Error(`psql did not finish in ${PSQL_TIMEOUT_MS} ms: ${output}`));
    }, PSQL_TIMEOUT_MS);
    psql.on("error", reject);
    psql.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Starts an interactive psql session that reads commands from its standard input. */
function openPsqlSession(): { psql: ChildProcessWithoutNullStreams; lines: string[] } {
  const psql = spawn("psql", [databaseUrl, "-X", "-A", "-t"], { env: PSQL_ENV });
  const lines: string[] = [];
  psql.stdout.on("data", (chunk: Buffer) => {
    lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  });
  return { psql, lines };
}

async function waitForLine(lines: string[], expected: string): Promise<void> {
  const deadline = Date.now() + PSQL_TIMEOUT_MS;
  while (!lines.includes(expected)) {
    if (Date.now() > deadline)
      throw new Error(`psql never printed ${expected}: ${lines.join("|")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function readVendasStatus(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(
    `${api.url}/rest/v1/whatsapp_instances?select=status&name=eq.Vendas`,
    { headers: { apikey: SERVICE_ROLE_KEY } },
  );
  return { status: response.status, body: await response.json() };
}

describe("psql", () => {
  it("reads the seed rows", async () => {
    const result = await runPsql("select name, status from whatsapp_instances order by name");

    expect(result.code).toBe(0);
    expect(result.output).toBe("Marketing|disconnected\nSuporte|connected\nVendas|connected\n");
  });

  it("runs as the postgres superuser", async () => {
    const result = await runPsql("select current_user, session_user");

    expect(result.output).toBe("postgres|postgres\n");
  });

  it("updates a row that the API then returns", async () => {
    const update = await runPsql(
      "update whatsapp_instances set status = 'disconnected' where name = 'Vendas'",
    );
    const afterUpdate = await readVendasStatus();
    await runPsql("update whatsapp_instances set status = 'connected' where name = 'Vendas'");

    expect(update).toEqual({ code: 0, output: "UPDATE 1\n" });
    expect(afterUpdate).toEqual({ status: 200, body: [{ status: "disconnected" }] });
  });

  it("keeps the API responding during an idle session", async () => {
    const { psql, lines } = openPsqlSession();
    psql.stdin.write("select 'ready';\n");
    await waitForLine(lines, "ready");

    const whileOpen = await readVendasStatus();
    psql.stdin.end("\\q\n");
    await collectOutput(psql);

    expect(whileOpen).toEqual({ status: 200, body: [{ status: "connected" }] });
  });

  it("makes the API wait for an open transaction", async () => {
    const { psql, lines } = openPsqlSession();
    psql.stdin.write(
      "begin;\nupdate whatsapp_instances set status = 'connecting' where name = 'Vendas';\n" +
        "select 'updated';\n",
    );
    await waitForLine(lines, "updated");

    const duringTransaction = await readVendasStatus();
    psql.stdin.write("commit;\nselect 'committed';\n");
    await waitForLine(lines, "committed");
    const afterCommit = await readVendasStatus();
    psql.stdin.end("update whatsapp_instances set status = 'connected' where name = 'Vendas';\n");
    await collectOutput(psql);

    expect(duringTransaction.status).toBe(504);
    expect(duringTransaction.body).toMatchObject({ code: "PGRST003" });
    expect(afterCommit).toEqual({ status: 200, body: [{ status: "connecting" }] });
  });

  it("rolls back the transaction of a session that disconnects", async () => {
    const { psql, lines } = openPsqlSession();
    psql.stdin.write(
      "begin;\nupdate whatsapp_instances set status = 'connecting' where name = 'Vendas';\n" +
        "select 'updated';\n",
    );
    await waitForLine(lines, "updated");

    psql.kill("SIGKILL");
    await collectOutput(psql).catch(() => undefined);
    const afterDisconnect = await db.query<{ status: string }>(
      "select status from whatsapp_instances where name = 'Vendas'",
    );

    expect(afterDisconnect.rows).toEqual([{ status: "connected" }]);
    expect(db.isInTransaction()).toBe(false);
  });

  it("keeps psql work out of in-process transactions", async () => {
    const { psql, lines } = openPsqlSession();
    psql.stdin.write(
      "begin;\nupdate whatsapp_instances set status = 'connecting' where name = 'Vendas';\n" +
        "select 'updated';\n",
    );
    await waitForLine(lines, "updated");

    const inProcess = db.transaction(async (tx) => {
      const result = await tx.query<{ status: string }>(
        "select status from whatsapp_instances where name = 'Vendas'",
      );
      return result.rows;
    });
    psql.stdin.end("rollback;\n");
    await collectOutput(psql);

    expect(await inProcess).toEqual([{ status: "connected" }]);
  });
});
