import { createHash } from "node:crypto";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openLocalDatabase, writeVaultSecret } from "../../scripts/local/database.ts";
import {
  type ApiRole,
  DATABASE_START_TIMEOUT_MS,
  queryAs,
  SEED_USERS,
  userClaims,
} from "./database-helpers.ts";

const FUNCTION_URL = "http://127.0.0.1:54321/functions/v1/invalidate-token-cache";
const WEBHOOK_SECRET = "test-webhook-secret";
const PROVIDER_TOKEN = "provider-token-that-stays-in-the-database";
const TIMESTAMP = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);

interface QueuedRequest {
  method: string;
  url: string;
  headers: unknown;
  body: unknown;
  timeout_milliseconds: number;
}

interface InstanceRow {
  id: string;
  user_id: string;
  name: string;
  instance_token: string;
  status: string;
}

let db: PGlite;
let tokenCounter = 0;

beforeAll(async () => {
  db = await openLocalDatabase();
}, DATABASE_START_TIMEOUT_MS);

afterAll(async () => {
  await db?.close();
});

beforeEach(async () => {
  await writeVaultSecret(db, "invalidate_token_cache_url", FUNCTION_URL);
  await writeVaultSecret(db, "invalidate_token_cache_secret", WEBHOOK_SECRET);
  await takeQueuedRequests(db);
});

/** Empties net.http_request_queue and returns what it contained, with each body parsed. */
async function takeQueuedRequests(client: PGlite | Transaction): Promise<QueuedRequest[]> {
  const result = await client.query<QueuedRequest & { body: string }>(
    `with taken as (delete from net.http_request_queue returning *)
     select method, url, headers, convert_from(body, 'UTF8') as body, timeout_milliseconds
     from taken order by id`,
  );
  return result.rows.map((row) => ({ ...row, body: JSON.parse(row.body) }));
}

/** Inserts an instance owned by João and empties the queue, so a test sees only its own change. */
async function insertInstance(): Promise<InstanceRow> {
  tokenCounter += 1;
  const result = await db.query<InstanceRow>(
    `insert into public.whatsapp_instances (user_id, name, instance_token, provider_token, status)
     values ($1, 'Notify test', $2, $3, 'connected')
     returning id, user_id, name, instance_token, status`,
    [SEED_USERS.joao, `notify-token-${tokenCounter}`, PROVIDER_TOKEN],
  );
  await takeQueuedRequests(db);
  const row = result.rows[0];
  if (row === undefined) throw new Error("The insert returned no row.");
  return row;
}

/** Returns the expected webhook row: every column except provider_token. */
function record(row: InstanceRow): Record<string, unknown> {
  const instance_token_sha256 = createHash("sha256").update(row.instance_token).digest("hex");
  return { ...row, instance_token_sha256, created_at: TIMESTAMP, updated_at: TIMESTAMP };
}

/** Returns the request that the trigger should queue for one change. */
function webhookRequest(type: string, newRow: InstanceRow | null, oldRow: InstanceRow | null) {
  return {
    method: "POST",
    url: FUNCTION_URL,
    headers: { "Content-Type": "application/json", "X-Webhook-Secret": WEBHOOK_SECRET },
    body: {
      type,
      table: "whatsapp_instances",
      schema: "public",
      record: newRow === null ? null : record(newRow),
      old_record: oldRow === null ? null : record(oldRow),
    },
    timeout_milliseconds: 1000,
  };
}

describe("changes that queue a webhook", () => {
  it("insert sends the new row", async () => {
    tokenCounter += 1;
    const token = `notify-token-${tokenCounter}`;

    const result = await db.query<InstanceRow>(
      `insert into public.whatsapp_instances (user_id, name, instance_token, provider_token)
       values ($1, 'Inserted', $2, $3) returning id, user_id, name, instance_token, status`,
      [SEED_USERS.joao, token, PROVIDER_TOKEN],
    );

    const inserted = result.rows[0] as InstanceRow;
    expect(await takeQueuedRequests(db)).toEqual([webhookRequest("INSERT", inserted, null)]);
  });

  it("status change sends the new and old rows", async () => {
    const before = await insertInstance();

    await db.query("update public.whatsapp_instances set status = 'disconnected' where id = $1", [
      before.id,
    ]);

    const after = { ...before, status: "disconnected" };
    expect(await takeQueuedRequests(db)).toEqual([webhookRequest("UPDATE", after, before)]);
  });

  it("token rotation sends the new and old tokens", async () => {
    const before = await insertInstance();
    const rotated = `${before.instance_token}-rotated`;

    await db.query("update public.whatsapp_instances set instance_token = $2 where id = $1", [
      before.id,
      rotated,
    ]);

    const after = { ...before, instance_token: rotated };
    expect(await takeQueuedRequests(db)).toEqual([webhookRequest("UPDATE", after, before)]);
  });

  it("delete sends the old row", async () => {
    const before = await insertInstance();

    await db.query("delete from public.whatsapp_instances where id = $1", [before.id]);

    expect(await takeQueuedRequests(db)).toEqual([webhookRequest("DELETE", null, before)]);
  });

  it("rename together with a status change sends one request", async () => {
    const before = await insertInstance();

    await db.query(
      "update public.whatsapp_instances set name = 'Renamed', status = 'connecting' where id = $1",
      [before.id],
    );

    const after = { ...before, name: "Renamed", status: "connecting" };
    expect(await takeQueuedRequests(db)).toEqual([webhookRequest("UPDATE", after, before)]);
  });

  it("update of two rows sends one request per row", async () => {
    const first = await insertInstance();
    const second = await insertInstance();

    await db.query(
      "update public.whatsapp_instances set status = 'connecting' where id in ($1, $2)",
      [first.id, second.id],
    );

    const queued = await takeQueuedRequests(db);
    const oldIds = queued.map(
      (request) => (request.body as { old_record: InstanceRow }).old_record,
    );
    expect(queued).toHaveLength(2);
    expect(oldIds.map((row) => row.id).sort()).toEqual([first.id, second.id].sort());
  });

  it("write as service_role queues the request", async () => {
    const before = await insertInstance();

    const queued = await db.transaction(async (tx) => {
      await tx.exec("set local role service_role");
      await tx.query("update public.whatsapp_instances set status = 'connecting' where id = $1", [
        before.id,
      ]);
      await tx.exec("reset role");
      const requests = await takeQueuedRequests(tx);
      await tx.rollback();
      return requests;
    });

    const after = { ...before, status: "connecting" };
    expect(queued).toEqual([webhookRequest("UPDATE", after, before)]);
  });
});

describe("changes that queue nothing", () => {
  it("rename", async () => {
    const before = await insertInstance();

    await db.query("update public.whatsapp_instances set name = 'Renamed' where id = $1", [
      before.id,
    ]);

    expect(await takeQueuedRequests(db)).toEqual([]);
  });

  it("update to the same status and token", async () => {
    const before = await insertInstance();

    const result = await db.query(
      `update public.whatsapp_instances set status = 'connected', instance_token = $2
       where id = $1`,
      [before.id, before.instance_token],
    );

    expect(result.affectedRows).toBe(1);
    expect(await takeQueuedRequests(db)).toEqual([]);
  });

  it("rolled-back status change", async () => {
    const before = await insertInstance();

    await db.transaction(async (tx) => {
      await tx.query("update public.whatsapp_instances set status = 'connecting' where id = $1", [
        before.id,
      ]);
      await tx.rollback();
    });

    expect(await takeQueuedRequests(db)).toEqual([]);
  });
});

describe("Vault secrets missing", () => {
  it.each([
    ["URL missing", "invalidate_token_cache_url", null],
    ["secret missing", "invalidate_token_cache_secret", null],
    ["URL empty", "invalidate_token_cache_url", ""],
    ["secret empty", "invalidate_token_cache_secret", ""],
  ])("%s: the write succeeds and queues nothing", async (_case, name, value) => {
    const before = await insertInstance();
    if (value === null) {
      await db.query("delete from vault.secrets where name = $1", [name]);
    } else {
      await writeVaultSecret(db, name, value);
    }

    const result = await db.query<{ status: string }>(
      "update public.whatsapp_instances set status = 'disconnected' where id = $1 returning status",
      [before.id],
    );

    expect(result.rows).toEqual([{ status: "disconnected" }]);
    expect(await takeQueuedRequests(db)).toEqual([]);
  });
});

describe("failing net.http_post", () => {
  it("lets the write succeed and warns without the secret", async () => {
    const before = await insertInstance();
    const warnings: string[] = [];

    const outcome = await db.transaction(async (tx) => {
      // DDL is transactional, so the rollback below restores the real function.
      await tx.exec(`
        create or replace function net.http_post(
          url text,
          body jsonb default '{}'::jsonb,
          params jsonb default '{}'::jsonb,
          headers jsonb default '{}'::jsonb,
          timeout_milliseconds integer default 1000
        ) returns bigint language plpgsql as $$
        begin
          raise exception 'queue unavailable for headers %', headers;
        end;
        $$`);
      const update = await tx.query<{ status: string }>(
        "update public.whatsapp_instances set status = 'disconnected' where id = $1 returning status",
        [before.id],
        { onNotice: (notice) => warnings.push(`${notice.severity}: ${notice.message}`) },
      );
      const queued = await takeQueuedRequests(tx);
      await tx.rollback();
      return { rows: update.rows, queued };
    });

    expect(outcome.rows).toEqual([{ status: "disconnected" }]);
    expect(outcome.queued).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^WARNING: Could not queue the cache invalidation for UPDATE on public\.whatsapp_instances: queue unavailable for headers .*\[secret\].* \(SQLSTATE P0001\)$/,
    );
    expect(warnings[0]).not.toContain(WEBHOOK_SECRET);
  });
});

describe("trigger function", () => {
  it.each<ApiRole>(["anon", "authenticated", "service_role"])(
    "cannot be called by %s",
    async (role) => {
      const claims = role === "authenticated" ? userClaims(SEED_USERS.joao) : undefined;

      await expect(
        queryAs(db, role, claims, "select private.notify_instance_change()"),
      ).rejects.toMatchObject({ code: "42501" });
    },
  );

  it("runs as its owner with an empty search_path", async () => {
    const result = await db.query<{ security_definer: boolean; config: string[] }>(
      `select prosecdef as security_definer, proconfig as config from pg_proc
       where oid = 'private.notify_instance_change()'::regprocedure`,
    );

    expect(result.rows).toEqual([{ security_definer: true, config: ['search_path=""'] }]);
  });
});
