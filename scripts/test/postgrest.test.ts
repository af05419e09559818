import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../local/database.ts";
import { type SupabaseApi, startSupabaseApi } from "../local/postgrest.ts";

const ANON_KEY = "test-anon-key";
const SERVICE_ROLE_KEY = "test-service-role-key";
const SERVICE_HEADERS = { apikey: SERVICE_ROLE_KEY, Authorization: `Bearer ${SERVICE_ROLE_KEY}` };
const VENDAS_ID = "00000000-0000-4000-8000-00000000b001";
const JOAO_ID = "00000000-0000-4000-8000-00000000a001";
const START_TIMEOUT_MS = 60_000;
const POOL_TIMEOUT_MS = 300;

// Tokens with every character that has a meaning in a URL query or in PostgREST's syntax.
const TRICKY_TOKENS = [
  "and&more",
  "equals=sign",
  "comma,dot.",
  "100%",
  "%41%42",
  "AB",
  "f(x)",
  'say"hi"',
  "plus+sign",
  "semi;colon",
  "eq.eq.",
  "hash#tag",
  "question?mark",
  "slash/back\\slash",
  "apostrophe's*~!$",
];

let db: PGlite;
let api: SupabaseApi;
let configDir: string;

beforeAll(async () => {
  db = await openLocalDatabase();
  for (const [index, token] of TRICKY_TOKENS.entries()) {
    await db.query(
      `insert into public.whatsapp_instances (user_id, name, instance_token, provider_token)
       values ($1, $2, $3, 'provider')`,
      [JOAO_ID, `Tricky ${index}`, token],
    );
  }
  configDir = await mkdtemp(path.join(tmpdir(), "postgrest-test-"));
  const configPath = path.join(configDir, "config.toml");
  await writeFile(configPath, "[functions.send-text]\nverify_jwt = true\n");
  api = await startSupabaseApi({
    db,
    host: "127.0.0.1",
    port: 0,
    anonKey: ANON_KEY,
    serviceRoleKey: SERVICE_ROLE_KEY,
    functionsUrl: "http://127.0.0.1:9",
    functionsConfigPath: configPath,
    poolAcquisitionTimeoutMs: POOL_TIMEOUT_MS,
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await api?.close();
  await db?.close();
  await rm(configDir, { recursive: true, force: true });
});

async function get(
  pathAndQuery: string,
  headers: Record<string, string> = SERVICE_HEADERS,
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${api.url}${pathAndQuery}`, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

/** Returns the Worker's lookup request: the token's SHA-256 hex digest, never the token. */
function lookupPath(token: string): string {
  const query = new URLSearchParams({
    select: "id,user_id,name,status",
    instance_token_sha256: `eq.${createHash("sha256").update(token, "utf8").digest("hex")}`,
    limit: "2",
  });
  return `/rest/v1/whatsapp_instances?${query}`;
}

describe("request shapes", () => {
  it("finds an instance by token digest", async () => {
    const response = await get(lookupPath("abc123"));

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(response.headers.get("content-range")).toBe("0-0/*");
    expect(response.body).toEqual([
      { id: VENDAS_ID, user_id: JOAO_ID, name: "Vendas", status: "connected" },
    ]);
  });

  it.each(TRICKY_TOKENS)("finds %j by its digest", async (token) => {
    const response = await get(lookupPath(token));

    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      expect.objectContaining({ name: `Tricky ${TRICKY_TOKENS.indexOf(token)}` }),
    ]);
  });

  it("returns a disconnected instance", async () => {
    const response = await get(lookupPath("ghi789"));

    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      {
        id: "00000000-0000-4000-8000-00000000b003",
        user_id: "00000000-0000-4000-8000-00000000a003",
        name: "Marketing",
        status: "disconnected",
      },
    ]);
  });

  it("returns an empty array for an unknown token", async () => {
    const response = await get(lookupPath("no-such-token"));

    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBe("*/*");
    expect(response.body).toEqual([]);
  });

  it("re-reads an instance by id", async () => {
    const response = await get(
      `/rest/v1/whatsapp_instances?select=id,status,instance_token,provider_token&id=eq.${VENDAS_ID}&limit=2`,
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      {
        id: VENDAS_ID,
        status: "connected",
        instance_token: "abc123",
        provider_token: "sandbox-provider-vendas",
      },
    ]);
  });

  it("reads a token by id without a limit", async () => {
    const response = await get(
      `/rest/v1/whatsapp_instances?select=id,instance_token&id=eq.${VENDAS_ID}`,
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ id: VENDAS_ID, instance_token: "abc123" }]);
  });

  it("returns columns in select order", async () => {
    const response = await get(
      `/rest/v1/whatsapp_instances?select=status,name,id&id=eq.${VENDAS_ID}`,
    );

    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).toBe(
      `[{"status":"connected","name":"Vendas","id":"${VENDAS_ID}"}]`,
    );
  });

  it("applies the limit", async () => {
    const response = await get("/rest/v1/whatsapp_instances?select=id&status=eq.connected&limit=1");

    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBe("0-0/*");
    expect(response.body).toEqual([{ id: VENDAS_ID }]);
  });

  it("combines filters with and", async () => {
    const response = await get(
      `/rest/v1/whatsapp_instances?select=name&status=eq.connected&user_id=eq.${JOAO_ID}&name=eq.Vendas`,
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ name: "Vendas" }]);
  });

  it("serves HEAD with headers only", async () => {
    const response = await fetch(`${api.url}${lookupPath("abc123")}`, {
      method: "HEAD",
      headers: SERVICE_HEADERS,
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-range")).toBe("0-0/*");
    expect(await response.text()).toBe("");
  });
});

describe("percent-encoding", () => {
  it.each(TRICKY_TOKENS)("matches %j encoded by URLSearchParams", async (token) => {
    const query = new URLSearchParams({ select: "name", instance_token: `eq.${token}` });
    const response = await get(`/rest/v1/whatsapp_instances?${query}`);

    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      expect.objectContaining({ name: `Tricky ${TRICKY_TOKENS.indexOf(token)}` }),
    ]);
  });

  it.each(TRICKY_TOKENS)("matches %j encoded by encodeURIComponent", async (token) => {
    const response = await get(
      `/rest/v1/whatsapp_instances?select=name&instance_token=eq.${encodeURIComponent(token)}`,
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ name: `Tricky ${TRICKY_TOKENS.indexOf(token)}` }]);
  });

  it("decodes each escape exactly once", async () => {
    const once = await get("/rest/v1/whatsapp_instances?select=name&instance_token=eq.%41%42");
    const twice = await get("/rest/v1/whatsapp_instances?select=name&instance_token=eq.%2541%2542");

    expect(once.body).toEqual([{ name: `Tricky ${TRICKY_TOKENS.indexOf("AB")}` }]);
    expect(twice.body).toEqual([{ name: `Tricky ${TRICKY_TOKENS.indexOf("%41%42")}` }]);
  });

  it("reads a raw plus as a space", async () => {
    const response = await get(
      "/rest/v1/whatsapp_instances?select=name&instance_token=eq.plus+sign",
    );

    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
  });

  it("treats a raw semicolon as a separator", async () => {
    const response = await get(
      "/rest/v1/whatsapp_instances?select=name&instance_token=eq.semi;colon",
    );

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      code: "PGRST100",
      details: "The filter has no known operator; write colon=eq.<value>.",
      hint: null,
      message: '"failed to parse filter on colon"',
    });
  });

  it("keeps an invalid escape as written", async () => {
    const response = await get("/rest/v1/whatsapp_instances?select=name&instance_token=eq.100%");

    expect(response.status).toBe(200);
    expect(response.body).toEqual([{ name: `Tricky ${TRICKY_TOKENS.indexOf("100%")}` }]);
  });
});

describe("API keys", () => {
  const path = lookupPath("abc123");

  it("rejects a request without apikey", async () => {
    const response = await get(path, {});

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      message: "Invalid API key",
      hint: "No `apikey` request header was found.",
    });
  });

  it.each([
    ["an unknown key", "not-a-key"],
    ["a key with a suffix", `${SERVICE_ROLE_KEY}x`],
    ["a key prefix", SERVICE_ROLE_KEY.slice(0, -1)],
    ["an empty key", ""],
  ])("rejects %s", async (_case, apikey) => {
    const response = await get(path, { apikey });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      message: "Invalid API key",
      hint: "Double check your Supabase `anon` or `service_role` API key.",
    });
  });

  it.each([
    ["an unknown bearer token", "Bearer not-a-key"],
    ["a header without Bearer", SERVICE_ROLE_KEY],
  ])("rejects %s", async (_case, authorization) => {
    const response = await get(path, { apikey: SERVICE_ROLE_KEY, Authorization: authorization });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      code: "PGRST301",
      details: null,
      hint: null,
      message: "JWSError JWSInvalidSignature",
    });
  });

  it("gives the anon key no rows", async () => {
    const response = await get(path, { apikey: ANON_KEY });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      code: "42501",
      details: null,
      hint: null,
      message: "permission denied for table whatsapp_instances",
    });
  });

  it("takes the role from the bearer token", async () => {
    const asService = await get(path, {
      apikey: ANON_KEY,
      Authorization: `Bearer ${SERVICE_ROLE_KEY}`,
    });
    const asAnon = await get(path, {
      apikey: SERVICE_ROLE_KEY,
      Authorization: `Bearer ${ANON_KEY}`,
    });

    expect(asService.status).toBe(200);
    expect(asAnon.status).toBe(401);
  });

  it("takes the role from apikey without a bearer token", async () => {
    const response = await get(path, { apikey: SERVICE_ROLE_KEY });

    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { id: VENDAS_ID, user_id: JOAO_ID, name: "Vendas", status: "connected" },
    ]);
  });
});

describe("errors", () => {
  it("rejects an invalid uuid", async () => {
    const response = await get("/rest/v1/whatsapp_instances?select=id,instance_token&id=eq.x");

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      code: "22P02",
      details: null,
      hint: null,
      message: 'invalid input syntax for type uuid: "x"',
    });
  });

  it.each([
    ["select", "/rest/v1/whatsapp_instances?select=id,secret"],
    ["a filter", "/rest/v1/whatsapp_instances?select=id&secret=eq.1"],
  ])("rejects an unknown column in %s", async (_case, pathAndQuery) => {
    const response = await get(pathAndQuery);

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      code: "42703",
      details: null,
      hint: null,
      message: "column whatsapp_instances.secret does not exist",
    });
  });

  it("rejects an unknown table", async () => {
    const response = await get("/rest/v1/instances?select=id");

    expect(response.status).toBe(404);
    expect(response.headers.get("proxy-status")).toBe("PostgREST; error=PGRST205");
    expect(response.body).toEqual({
      code: "PGRST205",
      details: null,
      hint: null,
      message: "Could not find the table 'public.instances' in the schema cache",
    });
  });

  it("rejects a table outside schema public", async () => {
    const response = await get("/rest/v1/users?select=id");

    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ code: "PGRST205" });
  });

  it.each(["POST", "PATCH", "PUT", "DELETE"])("rejects %s", async (method) => {
    const response = await fetch(`${api.url}/rest/v1/whatsapp_instances`, {
      method,
      headers: { ...SERVICE_HEADERS, "Content-Type": "application/json" },
      body: "{}",
    });

    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("GET, HEAD");
    expect(await response.json()).toEqual({
      code: "PGRST117",
      details: null,
      hint: null,
      message: `Unsupported HTTP method: ${method}`,
    });
  });

  it("rejects a filter without an operator", async () => {
    const response = await get("/rest/v1/whatsapp_instances?select=id&instance_token=abc123");

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      code: "PGRST100",
      details: "The filter has no known operator; write instance_token=eq.<value>.",
      hint: null,
      message: '"failed to parse filter on instance_token"',
    });
  });

  it("rejects an operator it does not implement", async () => {
    const response = await get("/rest/v1/whatsapp_instances?select=id&status=neq.connected");

    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      code: "PGRST127",
      details: 'This local PostgREST stand-in: only the eq operator is implemented, not "neq".',
      hint: null,
      message: "Feature not implemented",
    });
  });

  it("rejects a negative limit", async () => {
    const response = await get("/rest/v1/whatsapp_instances?select=id&limit=-1");

    expect(response.status).toBe(416);
    expect(response.body).toEqual({
      code: "PGRST103",
      details: "Limit should be greater than or equal to zero.",
      hint: null,
      message: "Requested range not satisfiable",
    });
  });

  it("rejects a nested path", async () => {
    const response = await get("/rest/v1/whatsapp_instances/extra?select=id");

    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      code: "PGRST125",
      details: null,
      hint: null,
      message: "Invalid path specified in request URL",
    });
  });

  it("rejects an unknown route like the gateway", async () => {
    const response = await get("/auth/v1/user");

    expect(response.status).toBe(404);
    expect(response.body).toEqual({ message: "no Route matched with those values" });
  });
});

describe("busy database", () => {
  it("times out while another transaction holds the database", async () => {
    let finish: () => void = () => undefined;
    const holding = db.transaction(
      () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    );

    const blocked = await get(lookupPath("abc123"));
    finish();
    await holding;
    const afterwards = await get(lookupPath("abc123"));

    expect(blocked.status).toBe(504);
    expect(blocked.body).toEqual({
      code: "PGRST003",
      details: "The database session stayed busy, for example with a psql transaction left open.",
      hint: null,
      message: "Timed out acquiring connection from connection pool.",
    });
    expect(afterwards.status).toBe(200);
  });
});
