import { createHash } from "node:crypto";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../../scripts/local/database.ts";
import { DATABASE_START_TIMEOUT_MS, SEED_INSTANCES, SEED_USERS } from "./database-helpers.ts";

let db: PGlite;
let nameCounter = 0;

beforeAll(async () => {
  db = await openLocalDatabase();
}, DATABASE_START_TIMEOUT_MS);

afterAll(async () => {
  await db?.close();
});

function sha256Hex(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const EVERY_PRINTABLE_CHARACTER = Array.from({ length: 0x7e - 0x21 + 1 }, (_, offset) =>
  String.fromCharCode(0x21 + offset),
).join("");

// Characters that mean something to URLs, SQL strings, escape-format bytea and LIKE patterns.
const EDGE_TOKENS: Array<[string, string]> = [
  ["URL syntax", "a%b&c=d"],
  ["a lone backslash", "\\"],
  ["two backslashes", "\\\\"],
  ["an octal escape", "\\123"],
  ["a hex escape", "\\x41"],
  ["a trailing backslash", "abc\\"],
  ["quotes", `'"'`],
  ["pattern characters", "%_*?"],
  ["every printable character", EVERY_PRINTABLE_CHARACTER],
  ["256 characters", "~".repeat(256)],
];

async function insertInstance(token: string): Promise<{ id: string; digest: string }> {
  nameCounter += 1;
  const result = await db.query<{ id: string; digest: string }>(
    `insert into public.whatsapp_instances (user_id, name, instance_token, provider_token)
     values ($1, $2, $3, 'provider') returning id, instance_token_sha256 as digest`,
    [SEED_USERS.joao, `Digest test ${nameCounter}`, token],
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error("The insert returned no row.");
  return row;
}

describe("instance_token_sha256", () => {
  it("stores the digest of each seed token", async () => {
    const result = await db.query<{ token: string; digest: string }>(
      "select instance_token as token, instance_token_sha256 as digest from public.whatsapp_instances",
    );

    expect(result.rows).toHaveLength(3);
    for (const row of result.rows) {
      expect(row.digest).toBe(sha256Hex(row.token));
    }
  });

  it("stores the known digest of abc123", async () => {
    const result = await db.query<{ digest: string }>(
      "select instance_token_sha256 as digest from public.whatsapp_instances where id = $1",
      [SEED_INSTANCES.vendas],
    );

    expect(result.rows).toEqual([
      { digest: "6ca13d52ca70c883e0f0bb101e425a89e8624de51db2d2392593af6a84118090" },
    ]);
  });

  it.each(EDGE_TOKENS)("matches Node's SHA-256 for %s", async (_case, token) => {
    const row = await insertInstance(token);

    expect(row.digest).toBe(sha256Hex(token));
  });

  it("follows a token rotation", async () => {
    const row = await insertInstance("before-rotation");

    const result = await db.query<{ digest: string }>(
      `update public.whatsapp_instances set instance_token = $2 where id = $1
       returning instance_token_sha256 as digest`,
      [row.id, "after-rotation"],
    );

    expect(result.rows).toEqual([{ digest: sha256Hex("after-rotation") }]);
  });

  it("rejects a written value", async () => {
    await expect(
      db.query(
        `insert into public.whatsapp_instances
           (user_id, name, instance_token, provider_token, instance_token_sha256)
         values ($1, 'Forged digest', 'forged-digest', 'provider', $2)`,
        [SEED_USERS.joao, sha256Hex("abc123")],
      ),
    ).rejects.toMatchObject({ code: "428C9" });
  });

  it("is unique and indexed", async () => {
    const result = await db.query<{ definition: string }>(
      `select pg_get_indexdef(indexrelid) as definition from pg_catalog.pg_index
        where indrelid = 'public.whatsapp_instances'::regclass and indisunique
          and pg_get_indexdef(indexrelid) like '%instance_token_sha256%'`,
    );

    expect(result.rows).toEqual([
      {
        definition:
          "CREATE UNIQUE INDEX whatsapp_instances_instance_token_sha256_key " +
          "ON public.whatsapp_instances USING btree (instance_token_sha256)",
      },
    ]);
  });
});
