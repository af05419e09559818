import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EdgeFunctions, startEdgeFunctions } from "../local/edge-functions.ts";
import { startWhatsAppSandbox, type WhatsAppSandbox } from "../local/whatsapp-sandbox.ts";

const START_TIMEOUT_MS = 40_000;
const INSTANCE_ID = "00000000-0000-4000-8000-00000000b001";
const SERVICE_ROLE_KEY = "local-service-role-key";
const GATEWAY_SECRET = "local-gateway-shared-secret";
const WEBHOOK_SECRET = "local-webhook-secret";
const ADMIN_SECRET = "local-admin-secret";
const INSTANCE_ROW = {
  id: INSTANCE_ID,
  status: "connected",
  instance_token: "abc123",
  provider_token: "sandbox-provider-vendas",
};

interface PostgrestStandIn {
  url: string;
  requests: URL[];
  close(): Promise<void>;
}

/** PostgREST stand-in that serves the one row above to the service role. */
async function startPostgrestStandIn(): Promise<PostgrestStandIn> {
  const requests: URL[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    requests.push(url);
    const authorized = request.headers.apikey === SERVICE_ROLE_KEY;
    const rows = url.searchParams.get("id") === `eq.${INSTANCE_ID}` ? [INSTANCE_ROW] : [];
    response.writeHead(authorized ? 200 : 401, { "Content-Type": "application/json" });
    response.end(JSON.stringify(authorized ? rows : { message: "Invalid API key" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface PurgeRequest {
  authorization: string | undefined;
  body: string;
}

interface WorkerStandIn {
  url: string;
  purges: PurgeRequest[];
  close(): Promise<void>;
}

/** Worker stand-in whose POST /admin/cache/purge counts every distinct token as purged. */
async function startWorkerStandIn(): Promise<WorkerStandIn> {
  const purges: PurgeRequest[] = [];
  const server: Server = createServer(async (request, response) => {
    let body = "";
    for await (const chunk of request) body += chunk;
    purges.push({ authorization: request.headers.authorization, body });
    const { tokens } = JSON.parse(body) as { tokens: string[] };
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ purged: new Set(tokens).size, keys: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    purges,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface RecordingServer {
  url: string;
  requests: Array<{ method: string | undefined; token: string | string[] | undefined }>;
  close(): Promise<void>;
}

/** Server that records every request and accepts it as the provider would, for redirect targets. */
async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordingServer["requests"] = [];
  const server: Server = createServer((request, response) => {
    requests.push({ method: request.method, token: request.headers.token });
    request.resume();
    response.writeHead(200, { "Content-Type": "application/json" });
    response.end(JSON.stringify({ id: "r0", messageid: "3EB0REDIRECTED", status: "Pending" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let postgrest: PostgrestStandIn;
let sandbox: WhatsAppSandbox;
let worker: WorkerStandIn;
let functions: EdgeFunctions;
const hostLines: string[] = [];

/** The environment of every served function. */
function functionsEnv(): Record<string, string> {
  return {
    SUPABASE_URL: postgrest.url,
    SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE_KEY,
    GATEWAY_SHARED_SECRET: GATEWAY_SECRET,
    UAZAPI_BASE_URL: sandbox.url,
    WEBHOOK_SECRET,
    GATEWAY_URL: worker.url,
    ADMIN_SECRET,
  };
}

beforeAll(async () => {
  postgrest = await startPostgrestStandIn();
  sandbox = await startWhatsAppSandbox({
    host: "127.0.0.1",
    port: 0,
    providerTokens: ["sandbox-provider-vendas"],
  });
  worker = await startWorkerStandIn();
  functions = await startEdgeFunctions({
    host: "127.0.0.1",
    port: 0,
    env: functionsEnv(),
    onLine: (line) => hostLines.push(line),
  });
}, START_TIMEOUT_MS);

afterAll(async () => {
  await functions?.close();
  await worker?.close();
  await sandbox?.close();
  await postgrest?.close();
});

beforeEach(async () => {
  await fetch(`${sandbox.url}/messages`, { method: "DELETE" });
  await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
});

async function queueSandboxFault(fault: unknown): Promise<void> {
  const response = await fetch(`${sandbox.url}/__sandbox/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(fault),
  });
  await response.body?.cancel();
  expect(response.status).toBe(200);
}

const HOST_LINE_WAIT_MS = 2_000;

/**
 * Waits until the host has printed `event` after line `fromIndex`. The log line travels through
 * the host's stdout pipe, which can reach this process after the HTTP response.
 */
async function waitForHostLine(event: string, fromIndex: number): Promise<void> {
  const deadline = Date.now() + HOST_LINE_WAIT_MS;
  while (!hostLines.slice(fromIndex).some((line) => line.includes(`"event":"${event}"`))) {
    if (Date.now() > deadline) {
      throw new Error(`the host printed no ${event} line within ${HOST_LINE_WAIT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function sendText(headers: Record<string, string> = {}, text = "Olá do host"): Promise<Response> {
  return fetch(`${functions.url}/send-text`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      apikey: SERVICE_ROLE_KEY,
      Authorization: `Bearer ${SERVICE_ROLE_KEY}`,
      token: "abc123",
      "X-Instance-ID": INSTANCE_ID,
      "X-Gateway-Secret": GATEWAY_SECRET,
      "X-Request-ID": "edge-functions-test",
      ...headers,
    },
    body: JSON.stringify({ number: "5511987654321", text }),
  });
}

describe("Edge Functions host", () => {
  it("listens on 127.0.0.1 and reports its functions", () => {
    expect(new URL(functions.url).hostname).toBe("127.0.0.1");
    const listening = hostLines.map((line) => JSON.parse(line)).find((line) => line.url);
    expect(listening).toEqual({
      level: "info",
      event: "functions_host.listening",
      url: functions.url,
      functions: ["send-text", "invalidate-token-cache"],
    });
  });

  it("sends a message through send-text to the sandbox", async () => {
    const response = await sendText();

    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBe("edge-functions-test");
    expect(await response.json()).toEqual({
      status: "sent",
      messageId: expect.stringMatching(/^3EB0[0-9A-F]{16}$/),
      requestId: "edge-functions-test",
    });
    expect(sandbox.messages()).toEqual([{ number: "5511987654321", text: "Olá do host" }]);
    const lookup = postgrest.requests.at(-1);
    expect(lookup?.pathname).toBe("/rest/v1/whatsapp_instances");
    expect(lookup?.searchParams.get("select")).toBe("id,status,instance_token,provider_token");
  });

  it("reads the message id from a reply that echoes a long text", async () => {
    const text = "ç".repeat(150 * 1024);

    const response = await sendText({}, text);

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "sent",
      messageId: expect.stringMatching(/^3EB0[0-9A-F]{16}$/),
      requestId: "edge-functions-test",
    });
    expect(sandbox.messages()).toEqual([{ number: "5511987654321", text }]);
  });

  it("rejects a wrong gateway secret", async () => {
    const requestsBefore = postgrest.requests.length;

    const response = await sendText({ "X-Gateway-Secret": "wrong-secret" });

    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: {
        code: "invalid_gateway_secret",
        message: "The X-Gateway-Secret header is missing or wrong.",
      },
      requestId: "edge-functions-test",
    });
    expect(sandbox.messages()).toEqual([]);
    expect(postgrest.requests.length).toBe(requestsBefore);
  });

  it("does not follow a provider redirect", async () => {
    const elsewhere = await startRecordingServer();
    try {
      await queueSandboxFault({ status: 302, headers: { Location: `${elsewhere.url}/send/text` } });

      const response = await sendText();

      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({
        error: {
          code: "provider_error",
          message:
            "The WhatsApp provider responded with a redirect (HTTP 302), which the function does not follow. Retry the request later.",
        },
        requestId: "edge-functions-test",
      });
      expect(elsewhere.requests).toEqual([]);
      expect(sandbox.messages()).toEqual([]);
    } finally {
      await elsewhere.close();
    }
  });

  it("counts an unreadable provider reply as sent and logs it", async () => {
    await queueSandboxFault({ status: 200, rawBody: "<html>OK</html>" });
    const linesBefore = hostLines.length;

    const response = await sendText();

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: "sent",
      messageId: null,
      requestId: "edge-functions-test",
    });
    await waitForHostLine("send_text.sent", linesBefore);
    const events = hostLines.slice(linesBefore).map((line) => JSON.parse(line));
    expect(events.map((event) => event.event)).toEqual([
      "send_text.provider_reply_unreadable",
      "send_text.sent",
    ]);
    expect(events[0]).toEqual({
      level: "warn",
      event: "send_text.provider_reply_unreadable",
      requestId: "edge-functions-test",
      instanceId: INSTANCE_ID,
      tokenHash: "6ca13d52",
      recipient: "***4321",
      providerStatus: 200,
      reason: "invalid_json",
      bodyBytes: "<html>OK</html>".length,
    });
    expect(hostLines.slice(linesBefore).join("\n")).not.toContain("<html>");
  });

  it("purges a rotated token through invalidate-token-cache", async () => {
    const row = { id: INSTANCE_ID, status: "connected", instance_token: "abc123" };
    const response = await fetch(`${functions.url}/invalidate-token-cache`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Webhook-Secret": WEBHOOK_SECRET,
        "X-Request-ID": "webhook-test",
      },
      body: JSON.stringify({
        type: "UPDATE",
        table: "whatsapp_instances",
        schema: "public",
        record: { ...row, instance_token: "rotated-1" },
        old_record: row,
      }),
    });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ purged: 2, requestId: "webhook-test" });
    expect(worker.purges).toEqual([
      {
        authorization: `Bearer ${ADMIN_SECRET}`,
        body: JSON.stringify({ tokens: ["abc123", "rotated-1"] }),
      },
    ]);
  });

  it("returns 404 for an unknown function", async () => {
    const response = await fetch(`${functions.url}/no-such-function`, {
      headers: { "X-Request-ID": "unknown-function" },
    });

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: {
        code: "not_found",
        message: 'No function is named "no-such-function" on this host.',
      },
      requestId: "unknown-function",
    });
  });
});

describe("startEdgeFunctions", () => {
  it(
    "fails with the missing variable's name",
    async () => {
      const start = startEdgeFunctions({
        host: "127.0.0.1",
        port: 0,
        env: { SUPABASE_URL: postgrest.url },
        onLine: () => {},
      });

      await expect(start).rejects.toThrow(
        /did not start: deno exited with code 1\n.*"function":"send-text","variable":"SUPABASE_SERVICE_ROLE_KEY".*Missing required environment variable SUPABASE_SERVICE_ROLE_KEY.*\n.*"function":"invalidate-token-cache","variable":"WEBHOOK_SECRET"/,
      );
    },
    START_TIMEOUT_MS,
  );

  it(
    "close stops the Deno process",
    async () => {
      const host = await startEdgeFunctions({
        host: "127.0.0.1",
        port: 0,
        env: functionsEnv(),
        onLine: () => {},
      });

      await host.close();

      expect(() => process.kill(host.pid, 0)).toThrow();
      await expect(fetch(`${host.url}/send-text`)).rejects.toThrow();
    },
    START_TIMEOUT_MS,
  );
});
