import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../../scripts/local/database.ts";
import { DATABASE_START_TIMEOUT_MS, SEED_USERS } from "./database-helpers.ts";

interface InstanceInput {
  user_id?: string;
  name?: string;
  instance_token?: string;
  provider_token?: string;
  status?: string;
}

let db: PGlite;
let tokenCounter = 0;

beforeAll(async () => {
  db = await openLocalDatabase();
}, DATABASE_START_TIMEOUT_MS);

afterAll(async () => {
  await db?.close();
});

/** Inserts an instance as the table owner, filling the columns the test leaves out. */
async function insertInstance(input: InstanceInput): Promise<Record<string, unknown>> {
  tokenCounter += 1;
  const row = {
    user_id: SEED_USERS.joao,
    name: "Test instance",
    instance_token: `test-token-${tokenCounter}`,
    provider_token: "provider-token",
    ...input,
  };
  const columns = Object.keys(row);
  const placeholders = columns.map((_, index) => `$${index + 1}`);
  const result = await db.query<Record<string, unknown>>(
    `insert into public.whatsapp_instances (${columns.join(", ")})
     values (${placeholders.join(", ")}) returning *`,
    Object.values(row),
  );
  return result.rows[0] ?? {};
}

describe("status", () => {
  it.each(["connected", "connecting", "disconnected"])("accepts %s", async (status) => {
    const row = await insertInstance({ status });

    expect(row.status).toBe(status);
  });

  it("defaults to disconnected", async () => {
    const row = await insertInstance({});

    expect(row.status).toBe("disconnected");
  });

  it.each(["online", "Connected", ""])("rejects %j", async (status) => {
    await expect(insertInstance({ status })).rejects.toMatchObject({
      code: "23514",
      constraint: "whatsapp_instances_status_check",
    });
  });
});

describe("instance_token", () => {
  it("rejects a token that is already used", async () => {
    await expect(insertInstance({ instance_token: "abc123" })).rejects.toMatchObject({
      code: "23505",
      constraint: "whatsapp_instances_instance_token_key",
    });
  });

  it.each([
    ["empty", ""],
    ["with a space", "abc 123"],
    ["with a tab", "abc\t123"],
    ["with a line feed", "abc\n"],
    ["with DEL", "abc\x7f"],
    ["with a control character", "abc\x01"],
    ["non-ASCII", "abcé"],
    ["257 characters long", "x".repeat(257)],
  ])("rejects a token %s", async (_case, token) => {
    await expect(insertInstance({ instance_token: token })).rejects.toMatchObject({
      code: "23514",
      constraint: "whatsapp_instances_instance_token_format",
    });
  });

  it("accepts a token of 256 characters", async () => {
    const token = "y".repeat(256);

    const row = await insertInstance({ instance_token: token });

    expect(row.instance_token).toBe(token);
  });

  it("accepts every printable ASCII character", async () => {
    let token = "";
    for (let code = 0x21; code <= 0x7e; code += 1) token += String.fromCharCode(code);

    const row = await insertInstance({ instance_token: token });

    expect(row.instance_token).toBe(token);
  });
});

describe("name", () => {
  it.each([
    ["empty", "", "whatsapp_instances_name_length"],
    ["spaces only", "   ", "whatsapp_instances_name_not_blank"],
    ["white space only", " \t\n ", "whatsapp_instances_name_not_blank"],
    ["101 characters long", "n".repeat(101), "whatsapp_instances_name_length"],
  ])("rejects a name that is %s", async (_case, name, constraint) => {
    await expect(insertInstance({ name })).rejects.toMatchObject({ code: "23514", constraint });
  });

  it("accepts a name of 100 characters", async () => {
    const name = "n".repeat(100);

    const row = await insertInstance({ name });

    expect(row.name).toBe(name);
  });
});

describe("other columns", () => {
  it("rejects an empty provider_token", async () => {
    await expect(insertInstance({ provider_token: "" })).rejects.toMatchObject({
      code: "23514",
      constraint: "whatsapp_instances_provider_token_not_empty",
    });
  });

  it("rejects an unknown user", async () => {
    const unknownUser = "00000000-0000-4000-8000-00000000ffff";

    await expect(insertInstance({ user_id: unknownUser })).rejects.toMatchObject({
      code: "23503",
      constraint: "whatsapp_instances_user_id_fkey",
    });
  });

  it("generates the id", async () => {
    const row = await insertInstance({});

    expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("deletes a user's instances with the user", async () => {
    const userId = "00000000-0000-4000-8000-00000000a0ff";
    await db.query("insert into auth.users (id, email) values ($1, 'gone@example.com')", [userId]);
    await insertInstance({ user_id: userId });

    await db.query("delete from auth.users where id = $1", [userId]);

    const remaining = await db.query(
      "select id from public.whatsapp_instances where user_id = $1",
      [userId],
    );
    expect(remaining.rows).toEqual([]);
  });
});

describe("updated_at", () => {
  it("is set to the time of each update", async () => {
    const row = await insertInstance({});
    const past = "2020-01-01T00:00:00.000Z";
    await db.query("alter table public.whatsapp_instances disable trigger user");
    await db.query(
      "update public.whatsapp_instances set created_at = $2, updated_at = $2 where id = $1",
      [row.id, past],
    );
    await db.query("alter table public.whatsapp_instances enable trigger user");
    const clock = await db.query<{ now: Date }>("select now() as now");
    const before = clock.rows[0]?.now.getTime() ?? Number.NaN;

    const result = await db.query<{ created_at: Date; updated_at: Date }>(
      `update public.whatsapp_instances set status = 'connected', updated_at = '2000-01-01'
       where id = $1 returning created_at, updated_at`,
      [row.id],
    );

    const updated = result.rows[0];
    expect(updated?.created_at.toISOString()).toBe(past);
    expect(updated?.updated_at.getTime()).toBeGreaterThanOrEqual(before);
  });
});
