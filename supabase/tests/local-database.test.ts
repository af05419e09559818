import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../../scripts/local/database.ts";
import { DATABASE_START_TIMEOUT_MS, SEED_INSTANCES, SEED_USERS } from "./database-helpers.ts";

const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../migrations");

async function listMigrationVersions(): Promise<string[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith(".sql"));
  return files.sort().map((name) => name.split("_", 1)[0] ?? name);
}

describe("new in-memory database", () => {
  let db: PGlite;

  beforeAll(async () => {
    db = await openLocalDatabase();
  }, DATABASE_START_TIMEOUT_MS);

  afterAll(async () => {
    await db?.close();
  });

  it("records every migration file", async () => {
    const expected = await listMigrationVersions();

    const result = await db.query<{ version: string }>(
      "select version from supabase_migrations.schema_migrations order by version",
    );

    expect(result.rows.map((row) => row.version)).toEqual(expected);
  });

  it("contains the seed users", async () => {
    const result = await db.query("select id, email from auth.users order by id");

    expect(result.rows).toEqual([
      { id: SEED_USERS.joao, email: "joao@example.com" },
      { id: SEED_USERS.maria, email: "maria@example.com" },
      { id: SEED_USERS.pedro, email: "pedro@example.com" },
    ]);
  });

  it("contains the seed instances", async () => {
    const result = await db.query(
      `select id, user_id, name, instance_token, provider_token, status
       from public.whatsapp_instances order by id`,
    );

    expect(result.rows).toEqual([
      {
        id: SEED_INSTANCES.vendas,
        user_id: SEED_USERS.joao,
        name: "Vendas",
        instance_token: "abc123",
        provider_token: "sandbox-provider-vendas",
        status: "connected",
      },
      {
        id: SEED_INSTANCES.suporte,
        user_id: SEED_USERS.maria,
        name: "Suporte",
        instance_token: "def456",
        provider_token: "sandbox-provider-suporte",
        status: "connected",
      },
      {
        id: SEED_INSTANCES.marketing,
        user_id: SEED_USERS.pedro,
        name: "Marketing",
        instance_token: "ghi789",
        provider_token: "sandbox-provider-marketing",
        status: "disconnected",
      },
    ]);
  });
});

describe("database in a data directory", () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "local-database-test-"));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    "keeps changes and skips the seed when reopened",
    async () => {
      const first = await openLocalDatabase({ dataDir });
      await first.query("update public.whatsapp_instances set status = 'connecting'");
      await first.close();

      const second = await openLocalDatabase({ dataDir });
      const instances = await second.query<{ status: string }>(
        "select status from public.whatsapp_instances",
      );
      const migrations = await second.query<{ version: string }>(
        "select version from supabase_migrations.schema_migrations order by version",
      );
      await second.close();

      expect(instances.rows).toEqual([
        { status: "connecting" },
        { status: "connecting" },
        { status: "connecting" },
      ]);
      expect(migrations.rows.map((row) => row.version)).toEqual(await listMigrationVersions());
    },
    DATABASE_START_TIMEOUT_MS,
  );
});
