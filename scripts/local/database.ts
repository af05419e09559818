import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const PLATFORM_SQL_PATH = path.join(import.meta.dirname, "supabase-platform.sql");
const MIGRATIONS_DIR = path.join(REPO_ROOT, "supabase", "migrations");
const SEED_PATH = path.join(REPO_ROOT, "supabase", "seed.sql");

// Supabase CLI migration files are named <version>_<name>.sql, the version being a timestamp.
const MIGRATION_FILE_PATTERN = /^(\d+)_(.+)\.sql$/;

export interface LocalDatabaseOptions {
  /** Directory that keeps the database between runs. Without it the database lives in memory. */
  dataDir?: string;
}

/**
 * Opens the local database (PGlite, Postgres compiled to WebAssembly) and brings it up to date.
 *
 * A new database gets the local stand-in for Supabase's platform objects
 * (scripts/local/supabase-platform.sql), every migration in supabase/migrations in version order,
 * then supabase/seed.sql. A database reopened from `dataDir` only gets the migrations it has not
 * recorded in supabase_migrations.schema_migrations, and no seed, as the Supabase CLI does.
 */
export async function openLocalDatabase(options: LocalDatabaseOptions = {}): Promise<PGlite> {
  const db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  try {
    const isNew = !(await hasPlatformObjects(db));
    if (isNew) {
      await db.exec(await readFile(PLATFORM_SQL_PATH, "utf8"));
    }
    await applyPendingMigrations(db);
    if (isNew) {
      await db.exec(await readFile(SEED_PATH, "utf8"));
    }
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

async function hasPlatformObjects(db: PGlite): Promise<boolean> {
  const result = await db.query<{ found: boolean }>(
    "select to_regclass('supabase_migrations.schema_migrations') is not null as found",
  );
  return result.rows[0]?.found === true;
}

async function applyPendingMigrations(db: PGlite): Promise<void> {
  const applied = await db.query<{ version: string }>(
    "select version from supabase_migrations.schema_migrations",
  );
  const appliedVersions = new Set(applied.rows.map((row) => row.version));
  for (const migration of await listMigrations()) {
    if (appliedVersions.has(migration.version)) continue;
    const sql = await readFile(path.join(MIGRATIONS_DIR, migration.fileName), "utf8");
    await applyMigration(db, migration, sql);
  }
}

interface MigrationFile {
  fileName: string;
  version: string;
  name: string;
}

async function listMigrations(): Promise<MigrationFile[]> {
  const migrations: MigrationFile[] = [];
  for (const fileName of await readdir(MIGRATIONS_DIR)) {
    if (!fileName.endsWith(".sql")) continue;
    const match = MIGRATION_FILE_PATTERN.exec(fileName);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(
        `Invalid migration file name "${fileName}" in ${MIGRATIONS_DIR}: ` +
          "expected <timestamp>_<name>.sql, for example 20261204000000_create_table.sql.",
      );
    }
    migrations.push({ fileName, version: match[1], name: match[2] });
  }
  // Versions are fixed-width timestamps, so text order is time order.
  return migrations.sort((left, right) => (left.version < right.version ? -1 : 1));
}

async function applyMigration(db: PGlite, migration: MigrationFile, sql: string): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      await tx.exec(sql);
      await tx.query(
        "insert into supabase_migrations.schema_migrations (version, name) values ($1, $2)",
        [migration.version, migration.name],
      );
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${migration.fileName} failed: ${reason}`, { cause: error });
  }
}

/**
 * Stores `secret` in Vault under `name`, replacing the secret already stored under that name.
 * Locally, Vault is the stand-in from scripts/local/supabase-platform.sql.
 */
export async function writeVaultSecret(db: PGlite, name: string, secret: string): Promise<void> {
  await db.transaction(async (tx) => {
    const existing = await tx.query<{ id: string }>(
      "select id from vault.secrets where name = $1",
      [name],
    );
    const id = existing.rows[0]?.id;
    if (id === undefined) {
      await tx.query("select vault.create_secret($1, $2)", [secret, name]);
    } else {
      await tx.query("select vault.update_secret($1, $2)", [id, secret]);
    }
  });
}
