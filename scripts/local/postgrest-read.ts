import type { PGlite, Transaction } from "@electric-sql/pglite";
import {
  ApiError,
  fromDatabaseError,
  isDatabaseError,
  postgrestError,
} from "./postgrest-errors.ts";
import type { ApiRole } from "./postgrest-keys.ts";
import type { ReadPlan } from "./postgrest-query.ts";

/** Schema whose tables the API serves, as in Supabase's default `db-schemas`. */
const EXPOSED_SCHEMA = "public";

// The SQL text of each role switch. Roles come from this fixed map, never from the request.
const SET_ROLE_SQL: Record<ApiRole, string> = {
  anon: "set local role anon",
  service_role: "set local role service_role",
};

export interface ReadResult {
  /** JSON array of the rows, as Postgres's json_agg wrote it. */
  body: string;
  rowCount: number;
}

/**
 * Runs a read plan on `table` as `role` in one transaction, the way PostgREST does it. The
 * transaction switches to the role and stores its JWT claims in transaction-local settings, so
 * the table's grants and row-level security policies apply. Postgres then aggregates the rows
 * into the JSON response body.
 *
 * Waits at most `waitTimeoutMs` for the database. PGlite is a single session, so a psql client
 * with an open transaction makes every request wait. After the timeout the request fails with
 * PostgREST's "timed out acquiring connection" error (504 PGRST003).
 */
export async function runRead(
  db: PGlite,
  request: { table: string; role: ApiRole; plan: ReadPlan },
  waitTimeoutMs: number,
): Promise<ReadResult> {
  let abandoned = false;
  const work = db.transaction(async (tx) => {
    if (abandoned) return undefined;
    return await readInTransaction(tx, request.table, request.role, request.plan);
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(poolTimeoutError()), waitTimeoutMs);
  });
  try {
    const result = await Promise.race([work, timeout]);
    if (result === undefined) throw poolTimeoutError();
    return result;
  } catch (error) {
    throw toApiError(error, request.role);
  } finally {
    clearTimeout(timer);
    abandoned = true;
    // A transaction that starts after the timeout returns at once; its outcome has no reader.
    work.catch(() => undefined);
  }
}

async function readInTransaction(
  tx: Transaction,
  table: string,
  role: ApiRole,
  plan: ReadPlan,
): Promise<ReadResult> {
  await tx.exec(SET_ROLE_SQL[role]);
  await tx.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify({ role })]);
  const columns = await readColumns(tx, table);
  const { sql, params } = buildReadSql(table, columns, plan);
  const result = await tx.query<{ body: string; row_count: number }>(sql, params);
  const row = result.rows[0];
  return { body: row?.body ?? "[]", rowCount: Number(row?.row_count ?? 0) };
}

/** Reads the table's columns from the catalog, like PostgREST's schema cache but never stale. */
async function readColumns(tx: Transaction, table: string): Promise<Set<string>> {
  const result = await tx.query<{ column_name: string }>(
    `select a.attname as column_name
       from pg_catalog.pg_attribute a
       join pg_catalog.pg_class c on c.oid = a.attrelid
       join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relname = $2 and c.relkind in ('r', 'v', 'm', 'f', 'p')
        and a.attnum > 0 and not a.attisdropped`,
    [EXPOSED_SCHEMA, table],
  );
  if (result.rows.length === 0) {
    throw postgrestError(
      404,
      "PGRST205",
      `Could not find the table '${EXPOSED_SCHEMA}.${table}' in the schema cache`,
    );
  }
  return new Set(result.rows.map((row) => row.column_name));
}

function buildReadSql(
  table: string,
  columns: Set<string>,
  plan: ReadPlan,
): { sql: string; params: string[] } {
  const requireColumn = (column: string): string => {
    if (!columns.has(column)) {
      throw postgrestError(400, "42703", `column ${table}.${column} does not exist`);
    }
    return quoteIdentifier(column);
  };
  const selectList = plan.select === "*" ? "*" : plan.select.map(requireColumn).join(", ");
  const params: string[] = [];
  const conditions = plan.filters.map((filter) => {
    params.push(filter.value);
    return `${requireColumn(filter.column)} = $${params.length}`;
  });
  const where = conditions.length === 0 ? "" : ` where ${conditions.join(" and ")}`;
  let limit = "";
  if (plan.limit !== undefined) {
    params.push(String(plan.limit));
    limit = ` limit $${params.length}::bigint`;
  }
  const source = `${quoteIdentifier(EXPOSED_SCHEMA)}.${quoteIdentifier(table)}`;
  const sql =
    "select coalesce(json_agg(selected), '[]')::text as body, count(*)::int as row_count " +
    `from (select ${selectList} from ${source}${where}${limit}) selected`;
  return { sql, params };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function poolTimeoutError(): ApiError {
  return postgrestError(
    504,
    "PGRST003",
    "Timed out acquiring connection from connection pool.",
    "The database session stayed busy, for example with a psql transaction left open.",
  );
}

function toApiError(error: unknown, role: ApiRole): unknown {
  if (error instanceof ApiError) return error;
  if (isDatabaseError(error)) return fromDatabaseError(error, role === "anon");
  return error;
}
