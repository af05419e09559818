import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../../scripts/local/database.ts";
import {
  DATABASE_START_TIMEOUT_MS,
  queryAs,
  SEED_INSTANCES,
  SEED_USERS,
  userClaims,
} from "./database-helpers.ts";

const PUBLIC_COLUMNS =
  "id, user_id, name, instance_token, instance_token_sha256, status, created_at, updated_at";

let db: PGlite;

beforeAll(async () => {
  db = await openLocalDatabase();
}, DATABASE_START_TIMEOUT_MS);

afterAll(async () => {
  await db?.close();
});

describe("authenticated role", () => {
  it.each([
    ["joao", SEED_USERS.joao, SEED_INSTANCES.vendas, "Vendas"],
    ["maria", SEED_USERS.maria, SEED_INSTANCES.suporte, "Suporte"],
    ["pedro", SEED_USERS.pedro, SEED_INSTANCES.marketing, "Marketing"],
  ])("%s sees only their own instance", async (_user, userId, instanceId, name) => {
    const rows = await queryAs<{ id: string; name: string }>(
      db,
      "authenticated",
      userClaims(userId),
      "select id, name from public.whatsapp_instances order by name",
    );

    expect(rows).toEqual([{ id: instanceId, name }]);
  });

  it("reads every column except provider_token", async () => {
    const rows = await queryAs<Record<string, unknown>>(
      db,
      "authenticated",
      userClaims(SEED_USERS.joao),
      `select ${PUBLIC_COLUMNS} from public.whatsapp_instances`,
    );

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: SEED_INSTANCES.vendas,
      user_id: SEED_USERS.joao,
      name: "Vendas",
      instance_token: "abc123",
      instance_token_sha256: "6ca13d52ca70c883e0f0bb101e425a89e8624de51db2d2392593af6a84118090",
      status: "connected",
    });
  });

  it.each([
    ["provider_token", "select provider_token from public.whatsapp_instances"],
    ["select *", "select * from public.whatsapp_instances"],
  ])("is denied %s", async (_case, sql) => {
    const query = queryAs(db, "authenticated", userClaims(SEED_USERS.joao), sql);

    await expect(query).rejects.toMatchObject({
      code: "42501",
      message: "permission denied for table whatsapp_instances",
    });
  });

  it("sees nothing without a user id", async () => {
    const rows = await queryAs(
      db,
      "authenticated",
      { role: "authenticated" },
      "select id from public.whatsapp_instances",
    );

    expect(rows).toEqual([]);
  });

  it("accepts the legacy request.jwt.claim.sub setting", async () => {
    const rows = await db.transaction(async (tx) => {
      await tx.exec("set local role authenticated");
      await tx.query("select set_config('request.jwt.claim.sub', $1, true)", [SEED_USERS.maria]);
      const result = await tx.query<{ name: string }>("select name from public.whatsapp_instances");
      await tx.rollback();
      return result.rows;
    });

    expect(rows).toEqual([{ name: "Suporte" }]);
  });

  it.each([
    ["update", "update public.whatsapp_instances set status = 'connected'"],
    ["delete", "delete from public.whatsapp_instances"],
    [
      "insert",
      `insert into public.whatsapp_instances (user_id, name, instance_token, provider_token)
       values ('${SEED_USERS.joao}', 'New', 'new-token', 'provider')`,
    ],
  ])("cannot %s rows", async (_statement, sql) => {
    const query = queryAs(db, "authenticated", userClaims(SEED_USERS.joao), sql);

    await expect(query).rejects.toMatchObject({ code: "42501" });
  });
});

describe("anon role", () => {
  it.each([
    "select id from public.whatsapp_instances",
    "select * from public.whatsapp_instances",
    "select instance_token from public.whatsapp_instances where instance_token = 'abc123'",
    "select id from public.whatsapp_instances where instance_token_sha256 = 'x'",
  ])("is denied: %s", async (sql) => {
    const query = queryAs(db, "anon", { role: "anon" }, sql);

    await expect(query).rejects.toMatchObject({
      code: "42501",
      message: "permission denied for table whatsapp_instances",
    });
  });
});

describe("service_role", () => {
  it("reads every row with provider_token", async () => {
    const rows = await queryAs<{ id: string; provider_token: string }>(
      db,
      "service_role",
      { role: "service_role" },
      "select id, provider_token from public.whatsapp_instances order by id",
    );

    expect(rows).toEqual([
      { id: SEED_INSTANCES.vendas, provider_token: "sandbox-provider-vendas" },
      { id: SEED_INSTANCES.suporte, provider_token: "sandbox-provider-suporte" },
      { id: SEED_INSTANCES.marketing, provider_token: "sandbox-provider-marketing" },
    ]);
  });

  it("updates rows despite row-level security", async () => {
    const rows = await queryAs<{ status: string }>(
      db,
      "service_role",
      { role: "service_role" },
      "update public.whatsapp_instances set status = 'connecting' returning status",
    );

    expect(rows).toEqual([
      { status: "connecting" },
      { status: "connecting" },
      { status: "connecting" },
    ]);
  });
});

describe("auth.uid()", () => {
  it("returns the sub claim of request.jwt.claims", async () => {
    const rows = await queryAs<{ uid: string }>(
      db,
      "authenticated",
      userClaims(SEED_USERS.pedro),
      "select auth.uid() as uid",
    );

    expect(rows).toEqual([{ uid: SEED_USERS.pedro }]);
  });

  it("returns null without claims", async () => {
    const rows = await queryAs<{ uid: string | null }>(
      db,
      "authenticated",
      undefined,
      "select auth.uid() as uid",
    );

    expect(rows).toEqual([{ uid: null }]);
  });
});
