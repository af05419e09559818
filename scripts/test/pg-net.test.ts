import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../local/database.ts";
import { type PgNetWorker, startPgNetWorker } from "../local/pg-net.ts";
import { type PostgresServer, startPostgresServer } from "../local/postgres-server.ts";

const START_TIMEOUT_MS = 60_000;
const POLL_INTERVAL_MS = 20;
const WAIT_TIMEOUT_MS = 5_000;
const PSQL_TIMEOUT_MS = 10_000;
/** Many poll intervals: a request that was going to be sent would have been sent by then. */
const QUIET_PERIOD_MS = 300;
const SECRET = "test-webhook-secret";
const PSQL_ENV = { ...process.env, PGCONNECT_TIMEOUT: "5", PGSSLMODE: "prefer" };

interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

interface ResponseRow {
  status_code: number | null;
  content_type: string | null;
  content: string | null;
  timed_out: boolean;
  error_msg: string | null;
}

const received: ReceivedRequest[] = [];
const lines: string[] = [];
let target: Server;
let targetUrl: string;
let db: PGlite;
let postgres: PostgresServer;
let worker: PgNetWorker;

beforeAll(async () => {
  db = await openLocalDatabase();
  postgres = await startPostgresServer(db, { host: "127.0.0.1", port: 0 });
  target = createServer((request, response) => void respond(request, response));
  await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
  worker = startPgNetWorker(db, {
    pollIntervalMs: POLL_INTERVAL_MS,
    onLine: (line) => lines.push(line),
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await worker?.close();
  target?.closeAllConnections();
  await new Promise((resolve) => target?.close(resolve));
  await postgres?.close();
  await db?.close();
});

beforeEach(() => {
  received.length = 0;
  lines.length = 0;
});

/** Records the request, then returns 200 under /ok, 500 under /fail and nothing under /slow. */
async function respond(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const path = request.url ?? "";
  received.push({
    method: request.method ?? "",
    path,
    headers: request.headers,
    body: Buffer.concat(chunks).toString("utf8"),
  });
  if (path.startsWith("/slow")) return;
  const status = path.startsWith("/fail") ? 500 : 200;
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify({ path }));
}

/** Queues a POST through net.http_post, as the trigger does, and returns its request id. */
async function queuePost(path: string, timeoutMs = 1000): Promise<number> {
  const result = await db.query<{ id: number }>(
    `select net.http_post(
       url := $1,
       body := jsonb_build_object('path', $2::text),
       headers := jsonb_build_object('Content-Type', 'application/json', 'X-Webhook-Secret', $3::text),
       timeout_milliseconds := $4
     ) as id`,
    [`${targetUrl}${path}`, path, SECRET, timeoutMs],
  );
  return Number(result.rows[0]?.id);
}

async function waitForResponse(id: number): Promise<ResponseRow> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const result = await db.query<ResponseRow>(
      `select status_code, content_type, content, timed_out, error_msg
       from net._http_response where id = $1`,
      [id],
    );
    if (result.rows[0] !== undefined) return result.rows[0];
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`No response was recorded for request ${id} within ${WAIT_TIMEOUT_MS} ms.`);
}

async function countResponses(id: number): Promise<number> {
  const result = await db.query<{ count: number }>(
    "select count(*)::integer as count from net._http_response where id = $1",
    [id],
  );
  return result.rows[0]?.count ?? -1;
}

function receivedPaths(): string[] {
  return received.map((request) => request.path);
}

function parsedLines(): Array<Record<string, unknown>> {
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Starts an interactive psql session that reads commands from its standard input. */
function openPsqlSession(): { psql: ChildProcessWithoutNullStreams; output: string[] } {
  const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${postgres.port}/postgres`;
  const psql = spawn("psql", [databaseUrl, "-X", "-A", "-t"], { env: PSQL_ENV });
  const output: string[] = [];
  psql.stdout.on("data", (chunk: Buffer) => {
    output.push(...chunk.toString("utf8").split("\n").filter(Boolean));
  });
  return { psql, output };
}

async function waitForLine(output: string[], expected: string): Promise<void> {
  const deadline = Date.now() + PSQL_TIMEOUT_MS;
  while (!output.includes(expected)) {
    if (Date.now() > deadline) {
      throw new Error(`psql never printed ${expected}: ${output.join("|")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

async function closePsql(psql: ChildProcessWithoutNullStreams, lastCommands: string) {
  const exited = new Promise((resolve) => psql.once("close", resolve));
  psql.stdin.end(lastCommands);
  await exited;
}

describe("delivery", () => {
  it("sends a committed request and records the response", async () => {
    const id = await queuePost("/ok/hook?source=test");

    const response = await waitForResponse(id);

    expect(response).toEqual({
      status_code: 200,
      content_type: "application/json",
      content: JSON.stringify({ path: "/ok/hook?source=test" }),
      timed_out: false,
      error_msg: null,
    });
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe("POST");
    expect(received[0]?.path).toBe("/ok/hook?source=test");
    expect(received[0]?.headers["content-type"]).toBe("application/json");
    expect(received[0]?.headers["x-webhook-secret"]).toBe(SECRET);
    expect(JSON.parse(received[0]?.body ?? "")).toEqual({ path: "/ok/hook?source=test" });
    const queue = await db.query("select id from net.http_request_queue");
    expect(queue.rows).toEqual([]);
  });

  it("logs one line without the secret or the query string", async () => {
    const id = await queuePost("/ok/logged?token=abc123");
    await waitForResponse(id);

    expect(parsedLines()).toEqual([
      {
        level: "info",
        event: "pg_net.request_completed",
        netRequestId: id,
        method: "POST",
        url: `${targetUrl}/ok/logged`,
        status: 200,
        durationMs: expect.any(Number),
      },
    ]);
    expect(lines.join("\n")).not.toContain(SECRET);
    expect(lines.join("\n")).not.toContain("abc123");
  });

  it("sends every request of one transaction", async () => {
    const ids = await db.transaction(async (tx) => {
      const result = await tx.query<{ id: number }>(
        `select net.http_post(url := $1 || '/ok/' || n, body := '{}'::jsonb) as id
         from generate_series(1, 3) as n order by n`,
        [targetUrl],
      );
      return result.rows.map((row) => Number(row.id));
    });

    for (const id of ids) await waitForResponse(id);

    expect(receivedPaths().sort()).toEqual(["/ok/1", "/ok/2", "/ok/3"]);
  });
});

describe("transactions", () => {
  it("does not send a rolled-back request", async () => {
    await db.transaction(async (tx) => {
      await tx.query("select net.http_post(url := $1, body := '{}'::jsonb)", [
        `${targetUrl}/ok/rolled-back`,
      ]);
      await tx.rollback();
    });
    const marker = await queuePost("/ok/marker");

    await waitForResponse(marker);

    expect(receivedPaths()).toEqual(["/ok/marker"]);
  });

  it("sends a psql request only after COMMIT", async () => {
    const { psql, output } = openPsqlSession();
    psql.stdin.write(
      `begin;\nselect net.http_post(url := '${targetUrl}/ok/psql', body := '{}'::jsonb);\n` +
        "select 'queued';\n",
    );
    await waitForLine(output, "queued");
    const id = Number(output.find((line) => /^\d+$/.test(line)));

    await new Promise((resolve) => setTimeout(resolve, QUIET_PERIOD_MS));
    const beforeCommit = receivedPaths();
    psql.stdin.write("commit;\nselect 'committed';\n");
    await waitForLine(output, "committed");
    const response = await waitForResponse(id);
    await closePsql(psql, "\\q\n");

    expect(beforeCommit).toEqual([]);
    expect(response.status_code).toBe(200);
    expect(receivedPaths()).toEqual(["/ok/psql"]);
  });

  it("does not send a psql request after ROLLBACK", async () => {
    const { psql, output } = openPsqlSession();
    psql.stdin.write(
      `begin;\nselect net.http_post(url := '${targetUrl}/ok/psql-rolled-back', body := '{}'::jsonb);\n` +
        "select 'queued';\n",
    );
    await waitForLine(output, "queued");

    await closePsql(psql, "rollback;\n");
    const marker = await queuePost("/ok/marker");
    await waitForResponse(marker);

    expect(receivedPaths()).toEqual(["/ok/marker"]);
  });
});

describe("failures", () => {
  it("records an error status once, without a retry", async () => {
    const id = await queuePost("/fail/once");

    const response = await waitForResponse(id);
    await new Promise((resolve) => setTimeout(resolve, QUIET_PERIOD_MS));

    expect(response).toEqual({
      status_code: 500,
      content_type: "application/json",
      content: JSON.stringify({ path: "/fail/once" }),
      timed_out: false,
      error_msg: null,
    });
    expect(receivedPaths()).toEqual(["/fail/once"]);
    expect(await countResponses(id)).toBe(1);
    expect(parsedLines()[0]).toMatchObject({ level: "warn", status: 500 });
  });

  it("records a refused connection once", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await db.query<{ id: number }>(
      "select net.http_post(url := $1, body := '{}'::jsonb) as id",
      [`http://127.0.0.1:${port}/gone`],
    );
    const id = Number(result.rows[0]?.id);

    const response = await waitForResponse(id);
    await new Promise((resolve) => setTimeout(resolve, QUIET_PERIOD_MS));

    expect(response.status_code).toBeNull();
    expect(response.timed_out).toBe(false);
    expect(response.error_msg).toContain("ECONNREFUSED");
    expect(await countResponses(id)).toBe(1);
  });

  it("stops waiting after the request's timeout", async () => {
    const queuedAt = performance.now();
    const id = await queuePost("/slow/timeout", 200);

    const response = await waitForResponse(id);
    const elapsedMs = performance.now() - queuedAt;
    await new Promise((resolve) => setTimeout(resolve, QUIET_PERIOD_MS));

    expect(response).toEqual({
      status_code: null,
      content_type: null,
      content: null,
      timed_out: true,
      error_msg: "Timeout of 200 ms reached",
    });
    expect(elapsedMs).toBeGreaterThanOrEqual(200);
    expect(elapsedMs).toBeLessThan(1_000);
    expect(receivedPaths()).toEqual(["/slow/timeout"]);
    expect(parsedLines()[0]).toMatchObject({
      level: "warn",
      status: null,
      error: "Timeout of 200 ms reached",
    });
  });
});

describe("options", () => {
  it.each([0, -1, 1.5])("rejects pollIntervalMs %s", (pollIntervalMs) => {
    expect(() => startPgNetWorker(db, { pollIntervalMs })).toThrow(
      `Invalid pollIntervalMs ${pollIntervalMs}: expected a positive integer.`,
    );
  });
});

// Runs last: it stops the worker that the other tests use.
describe("close", () => {
  it("returns at once and abandons the requests in flight", async () => {
    const id = await queuePost("/slow/abandoned", 5_000);
    const deadline = Date.now() + WAIT_TIMEOUT_MS;
    while (received.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }

    const closingAt = performance.now();
    await worker.close();
    const closeMs = performance.now() - closingAt;

    expect(receivedPaths()).toEqual(["/slow/abandoned"]);
    expect(closeMs).toBeLessThan(1_000);
    expect(await countResponses(id)).toBe(0);
    expect(parsedLines()).toEqual([
      expect.objectContaining({
        event: "pg_net.request_abandoned",
        netRequestId: id,
        error: "The worker stopped before the response arrived",
      }),
    ]);
  });

  it("leaves requests queued after close", async () => {
    const id = await queuePost("/ok/after-close");

    await new Promise((resolve) => setTimeout(resolve, QUIET_PERIOD_MS));

    const queue = await db.query<{ id: number }>("select id from net.http_request_queue");
    expect(queue.rows.map((row) => Number(row.id))).toEqual([id]);
    expect(received).toEqual([]);
  });
});
