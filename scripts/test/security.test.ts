/**
 * Security checks on the local stack. They cover filter injection through the token, repeated
 * headers on the wire, the admin secret of the purge endpoint, the gateway secret of the
 * send-text function and the body size limit. A last test scans everything the stack printed.
 */
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_SECRETS, SEED_PROVIDER_TOKENS } from "../local/config.ts";
import {
  portsFrom,
  type StackProcess,
  sandboxMessages,
  startStackProcess,
} from "./helpers/local-stack-process.ts";
import { logLinesOf, standalone } from "./helpers/log-scan.ts";

const STACK_BASE_PORT = 28870;
const RECIPIENT = "5541976540003";
const VENDAS_INSTANCE_ID = "00000000-0000-4000-8000-00000000b001";
const RAW_RESPONSE_TIMEOUT_MS = 5_000;

let stack: StackProcess;
let apiUrl: string;

beforeAll(async () => {
  stack = await startStackProcess(portsFrom(STACK_BASE_PORT));
  apiUrl = `http://127.0.0.1:${stack.ports.SUPABASE_API_PORT}`;
}, 40_000);

afterAll(async () => {
  await stack.stop();
});

function send(headers: Record<string, string>, body: unknown = { number: RECIPIENT, text: "hi" }) {
  return fetch(`${stack.gatewayUrl}/whatsapp/send-text`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

async function expectError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = await response.json();
  expect(body).toEqual({
    error: { code, message: expect.any(String) },
    requestId: response.headers.get("X-Request-ID"),
  });
}

interface RawResponse {
  status: number;
  body: string;
}

/** Sends one HTTP/1.1 request as raw text, so that a header can appear twice on the wire. */
function sendRaw(port: number, headerLines: string[], body: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.setTimeout(RAW_RESPONSE_TIMEOUT_MS, () =>
      socket.destroy(new Error(`no response within ${RAW_RESPONSE_TIMEOUT_MS} ms`)),
    );
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf("\r\n\r\n") + 4) });
    });
    const head = [
      "POST /whatsapp/send-text HTTP/1.1",
      `Host: 127.0.0.1:${port}`,
      "Content-Type: application/json",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Connection: close",
      ...headerLines,
    ];
    socket.end(`${head.join("\r\n")}\r\n\r\n${body}`);
  });
}

describe("token filter injection", () => {
  it.each([
    "abc123&instance_token=eq.def456",
    "abc123,def456",
    "*",
    "abc*",
    "abc12_",
    "abc12%",
    "%61bc123",
    "eq.abc123",
    "abc123)",
    "(abc123",
    "or=(instance_token.neq.x)",
    "abc123;--",
    '"abc123"',
    "ABC123",
  ])("token %j sends nothing", async (token) => {
    const response = await send({ token });

    await expectError(response, 401, "invalid_token");
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
  });
});

describe("headers repeated on the wire", () => {
  const body = JSON.stringify({ number: RECIPIENT, text: "repeated header" });

  it.each([
    ["token twice", ["token: abc123", "token: abc123"]],
    ["Authorization twice", ["Authorization: Bearer abc123", "Authorization: Bearer abc123"]],
    ["token and another Bearer", ["token: abc123", "Authorization: Bearer def456"]],
  ])("%s returns 401", async (_case, headerLines) => {
    const response = await sendRaw(stack.ports.WORKER_PORT, headerLines, body);

    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).error.code).toBe("invalid_token");
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
  });
});

describe("purge endpoint secret", () => {
  const purge = (authorization: string | undefined) =>
    fetch(`${stack.gatewayUrl}/admin/cache/purge`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        ...(authorization === undefined ? {} : { Authorization: authorization }),
      },
      body: JSON.stringify({ all: true }),
    });

  async function cachedKeys(): Promise<string[]> {
    const response = await fetch(`${stack.gatewayUrl}/admin/cache/keys`, {
      headers: { Authorization: `Bearer ${LOCAL_SECRETS.ADMIN_SECRET}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { keys: string[] }).keys;
  }

  /** Sends an unknown token and waits for its "not found" entry, written after the response. */
  async function cacheUnknownToken(): Promise<void> {
    const token = "Security-Cached-Unknown";
    await (await send({ token })).body?.cancel();
    const hash8 = createHash("sha256").update(token).digest("hex").slice(0, 8);
    const deadline = Date.now() + 1_000;
    while (!(await cachedKeys()).includes(hash8) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it.each([
    ["a missing secret", undefined, "missing_admin_secret"],
    ["a wrong secret", "Bearer not-the-admin-secret", "invalid_admin_secret"],
    [
      "an upper-case secret",
      `Bearer ${LOCAL_SECRETS.ADMIN_SECRET.toUpperCase()}`,
      "invalid_admin_secret",
    ],
    ["the webhook secret", `Bearer ${LOCAL_SECRETS.WEBHOOK_SECRET}`, "invalid_admin_secret"],
    ["the bare secret", LOCAL_SECRETS.ADMIN_SECRET, "invalid_admin_secret"],
  ])("rejects %s and purges nothing", async (_case, authorization, code) => {
    await cacheUnknownToken();
    const before = await cachedKeys();

    const response = await purge(authorization);

    await expectError(response, 401, code);
    expect(before.length).toBeGreaterThan(0);
    expect(await cachedKeys()).toEqual(before);
  });

  it("accepts the admin secret", async () => {
    await cacheUnknownToken();

    const response = await purge(`Bearer ${LOCAL_SECRETS.ADMIN_SECRET}`);

    expect(response.status).toBe(200);
    expect(await cachedKeys()).toEqual([]);
  });
});

describe("send-text function behind the platform", () => {
  const callFunction = (headers: Record<string, string>) =>
    fetch(`${apiUrl}/functions/v1/send-text`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Instance-ID": VENDAS_INSTANCE_ID,
        ...headers,
      },
      body: JSON.stringify({ number: RECIPIENT, text: "direct call" }),
    });
  const asRole = (key: string) => ({ apikey: key, Authorization: `Bearer ${key}` });
  const secret = { "X-Gateway-Secret": LOCAL_SECRETS.GATEWAY_SHARED_SECRET };

  it.each([
    [
      "the service key, no secret",
      { ...asRole(LOCAL_SECRETS.SUPABASE_SERVICE_ROLE_KEY), token: "abc123" },
    ],
    ["the anon key, no secret", { ...asRole(LOCAL_SECRETS.SUPABASE_ANON_KEY), token: "abc123" }],
    [
      "a wrong secret",
      { ...asRole(LOCAL_SECRETS.SUPABASE_ANON_KEY), token: "abc123", "X-Gateway-Secret": "guess" },
    ],
  ])("rejects a valid instance with %s", async (_case, headers) => {
    const response = await callFunction(headers);

    await expectError(response, 401, "invalid_gateway_secret");
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
  });

  it.each([
    ["another instance's token", { token: "def456" }],
    ["no token", {}],
  ])("leaked secret with %s sends nothing", async (_case, tokenHeader) => {
    const headers = { ...asRole(LOCAL_SECRETS.SUPABASE_ANON_KEY), ...secret, ...tokenHeader };

    const response = await callFunction(headers);

    await expectError(response, 401, "invalid_token");
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
  });

  it("platform rejects a call without an API key", async () => {
    const response = await callFunction({ ...secret, token: "abc123" });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code: 401, message: "Missing authorization header" });
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
  });
});

describe("body size limit", () => {
  it("returns 413 for a body over 1 MiB", async () => {
    const text = "a".repeat(1024 * 1024);

    const response = await send({ token: "abc123" }, { number: RECIPIENT, text });

    await expectError(response, 413, "payload_too_large");
    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
  });
});

describe("stack output after the security checks", () => {
  it("logs no token, secret or full number", () => {
    const forbidden = [
      "abc123",
      "def456",
      "ABC123",
      "Security-Cached-Unknown",
      "not-the-admin-secret",
      RECIPIENT,
      ...Object.values(LOCAL_SECRETS),
      LOCAL_SECRETS.ADMIN_SECRET.toUpperCase(),
      ...SEED_PROVIDER_TOKENS,
    ].map(standalone);
    const lines = logLinesOf(stack.output);

    expect(lines.length).toBeGreaterThan(20);
    for (const line of lines) {
      expect(
        forbidden.filter((pattern) => pattern.test(line)),
        line,
      ).toEqual([]);
    }
  });
});
