import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http, { type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { openLocalDatabase } from "../local/database.ts";
import { type SupabaseApi, startSupabaseApi } from "../local/postgrest.ts";
import { MAX_FUNCTION_REQUEST_BYTES } from "../local/postgrest-functions.ts";

const ANON_KEY = "test-anon-key";
const SERVICE_ROLE_KEY = "test-service-role-key";
const START_TIMEOUT_MS = 60_000;
const UPSTREAM_TIMEOUT_MS = 300;
const CONFIG_TOML = `
[functions.send-text]
verify_jwt = true # checked by the platform

[functions.invalidate-token-cache]
verify_jwt = false
`;

interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Stand-in for the Edge Functions server: records each request and responds 201 with JSON. */
let functionRequests: RecordedRequest[] = [];
let functionServer: http.Server;
let db: PGlite;
let api: SupabaseApi;
let configDir: string;

beforeAll(async () => {
  functionServer = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const bodyBytes = Buffer.concat(chunks);
      const body = bodyBytes.toString("utf8");
      functionRequests.push({
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body,
      });
      if (request.url === "/slow") return; // never responds, to test the timeout
      if (request.url === "/huge") {
        response.end("x".repeat(2 * 1024 * 1024));
        return;
      }
      response.writeHead(201, { "Content-Type": "application/json", "X-Function": "stub" });
      response.end(JSON.stringify({ received: bodyBytes.length }));
    });
  });
  await new Promise<void>((resolve) => functionServer.listen(0, "127.0.0.1", resolve));
  const functionsPort = (functionServer.address() as AddressInfo).port;

  configDir = await mkdtemp(path.join(tmpdir(), "postgrest-functions-test-"));
  const configPath = path.join(configDir, "config.toml");
  await writeFile(configPath, CONFIG_TOML);
  db = await openLocalDatabase();
  api = await startSupabaseApi({
    db,
    host: "127.0.0.1",
    port: 0,
    anonKey: ANON_KEY,
    serviceRoleKey: SERVICE_ROLE_KEY,
    functionsUrl: `http://127.0.0.1:${functionsPort}/`,
    functionsConfigPath: configPath,
    functionsTimeoutMs: UPSTREAM_TIMEOUT_MS,
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await api?.close();
  functionServer?.closeAllConnections();
  await new Promise((resolve) => functionServer?.close(resolve));
  await db?.close();
  await rm(configDir, { recursive: true, force: true });
});

beforeEach(() => {
  functionRequests = [];
});

async function callFunction(
  pathAndQuery: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await fetch(`${api.url}/functions/v1/${pathAndQuery}`, {
    method: "POST",
    ...init,
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe("proxy", () => {
  it("forwards method, path, headers and body", async () => {
    const body = JSON.stringify({ number: "5511999999999", text: "Olá" });

    const response = await callFunction("send-text?trace=1", {
      headers: {
        Authorization: `Bearer ${SERVICE_ROLE_KEY}`,
        apikey: SERVICE_ROLE_KEY,
        "Content-Type": "application/json",
        token: "abc123",
        "X-Instance-ID": "00000000-0000-4000-8000-00000000b001",
      },
      body,
    });

    expect(response.status).toBe(201);
    expect(response.headers.get("x-function")).toBe("stub");
    expect(response.body).toEqual({ received: Buffer.byteLength(body) });
    expect(functionRequests).toHaveLength(1);
    const forwarded = functionRequests[0];
    expect(forwarded?.method).toBe("POST");
    expect(forwarded?.url).toBe("/send-text?trace=1");
    expect(forwarded?.body).toBe(body);
    expect(forwarded?.headers.token).toBe("abc123");
    expect(forwarded?.headers["x-instance-id"]).toBe("00000000-0000-4000-8000-00000000b001");
    expect(forwarded?.headers.authorization).toBe(`Bearer ${SERVICE_ROLE_KEY}`);
    expect(forwarded?.headers["content-type"]).toBe("application/json");
  });

  it("forwards a sub-path", async () => {
    const response = await callFunction("invalidate-token-cache/a/b", { body: "{}" });

    expect(response.status).toBe(201);
    expect(functionRequests[0]?.url).toBe("/invalidate-token-cache/a/b");
  });

  it("rejects an invalid function name", async () => {
    const response = await callFunction("bad.name", { body: "{}" });

    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      code: "NOT_FOUND",
      message: "Requested function was not found",
    });
    expect(functionRequests).toEqual([]);
  });

  it("rejects a body over the limit", async () => {
    const response = await callFunction("invalidate-token-cache", {
      body: "x".repeat(MAX_FUNCTION_REQUEST_BYTES + 1),
    });

    expect(response.status).toBe(413);
    expect(response.body).toEqual({ message: "Request size limit exceeded" });
    expect(functionRequests).toEqual([]);
  });

  it("returns 504 when the function is too slow", async () => {
    const response = await callFunction("slow", {
      headers: { Authorization: `Bearer ${ANON_KEY}` },
      body: "{}",
    });

    expect(response.status).toBe(504);
    expect(response.body).toEqual({ message: "The upstream server is timing out" });
  });

  it("returns 502 for a response over the limit", async () => {
    const response = await callFunction("huge", {
      headers: { Authorization: `Bearer ${ANON_KEY}` },
      body: "{}",
    });

    expect(response.status).toBe(502);
    expect(response.body).toEqual({
      message: "An invalid response was received from the upstream server",
    });
  });
});

describe("verify_jwt", () => {
  it("rejects a missing Authorization header", async () => {
    const response = await callFunction("send-text", { headers: { apikey: SERVICE_ROLE_KEY } });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ code: 401, message: "Missing authorization header" });
    expect(functionRequests).toEqual([]);
  });

  it.each([
    ["an unknown key", "Bearer not-a-key"],
    ["no Bearer prefix", SERVICE_ROLE_KEY],
    ["an empty bearer token", "Bearer "],
  ])("rejects %s", async (_case, authorization) => {
    const response = await callFunction("send-text", { headers: { Authorization: authorization } });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ code: 401, message: "Invalid JWT" });
    expect(functionRequests).toEqual([]);
  });

  it.each([
    ["anon key", ANON_KEY],
    ["service role key", SERVICE_ROLE_KEY],
  ])("accepts the %s", async (_case, key) => {
    const response = await callFunction("send-text", {
      headers: { Authorization: `Bearer ${key}` },
      body: "{}",
    });

    expect(response.status).toBe(201);
    expect(functionRequests).toHaveLength(1);
  });

  it("is skipped when the config disables it", async () => {
    const response = await callFunction("invalidate-token-cache", { body: "{}" });

    expect(response.status).toBe(201);
    expect(functionRequests).toHaveLength(1);
  });

  it("applies to a function missing from the config", async () => {
    const response = await callFunction("other-function", { body: "{}" });

    expect(response.status).toBe(401);
    expect(response.body).toEqual({ code: 401, message: "Missing authorization header" });
  });

  it("is skipped for CORS preflight requests", async () => {
    const response = await fetch(`${api.url}/functions/v1/send-text`, { method: "OPTIONS" });

    expect(response.status).toBe(201);
    expect(functionRequests[0]?.method).toBe("OPTIONS");
  });
});

describe("unreachable function server", () => {
  it("returns 502", async () => {
    const configPath = path.join(configDir, "config.toml");
    const isolated = await startSupabaseApi({
      db,
      host: "127.0.0.1",
      port: 0,
      anonKey: ANON_KEY,
      serviceRoleKey: SERVICE_ROLE_KEY,
      functionsUrl: "http://127.0.0.1:1",
      functionsConfigPath: configPath,
    });
    try {
      const response = await fetch(`${isolated.url}/functions/v1/invalidate-token-cache`, {
        method: "POST",
        body: "{}",
      });

      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({
        message: "An invalid response was received from the upstream server",
      });
    } finally {
      await isolated.close();
    }
  });
});
