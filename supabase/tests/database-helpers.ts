import type { PGlite } from "@electric-sql/pglite";

/** Roles of the Supabase Data API, which the tests switch to as PostgREST does. */
export type ApiRole = "anon" | "authenticated" | "service_role";

export const SEED_USERS = {
  joao: "00000000-0000-4000-8000-00000000a001",
  maria: "00000000-0000-4000-8000-00000000a002",
  pedro: "00000000-0000-4000-8000-00000000a003",
} as const;

export const SEED_INSTANCES = {
  vendas: "00000000-0000-4000-8000-00000000b001",
  suporte: "00000000-0000-4000-8000-00000000b002",
  marketing: "00000000-0000-4000-8000-00000000b003",
} as const;

/** PGlite needs a few seconds to start, more when several test files start it at once. */
export const DATABASE_START_TIMEOUT_MS = 60_000;

/**
 * Runs one statement as `role` inside a transaction that is rolled back afterwards, with the JWT
 * claims stored the way PostgREST stores them (request.jwt.claims, local to the transaction).
 */
export async function queryAs<Row>(
  db: PGlite,
  role: ApiRole,
  claims: Record<string, unknown> | undefined,
  sql: string,
  params: unknown[] = [],
): Promise<Row[]> {
  return await db.transaction(async (tx) => {
    await tx.exec(`set local role ${role}`);
    if (claims !== undefined) {
      await tx.query("select set_config('request.jwt.claims', $1, true)", [JSON.stringify(claims)]);
    }
    const result = await tx.query<Row>(sql, params);
    await tx.rollback();
    return result.rows;
  });
}

/** Claims of a signed-in user's access token. */
export function userClaims(userId: string): Record<string, unknown> {
  return { sub: userId, role: "authenticated" };
}
