/**
 * End-to-end faults on the local stack: the WhatsApp sandbox fails sends through its fault
 * route, and the Supabase API stand-in fails REST reads through its test-only fault route
 * (SUPABASE_API_TEST_FAULTS=on). Every fault gets its documented response, nothing is sent for
 * a failed request, and the next request after the fault clears succeeds without a restart.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LOCAL_SECRETS, SEED_PROVIDER_TOKENS } from "../local/config.ts";
import {
  portsFrom,
  type StackProcess,
  sandboxMessages,
  startStackProcess,
} from "./helpers/local-stack-process.ts";
import { logLinesOf, standalone } from "./helpers/log-scan.ts";

const STACK_BASE_PORT = 28860;
const RECIPIENT = "5521987650001";
// Shorter than the function's 15 s default so the timeout case runs in seconds.
const PROVIDER_TIMEOUT_MS = 2_000;
// The Worker's lookup timeout in the local stack (POSTGREST_TIMEOUT_MS default).
const POSTGREST_TIMEOUT_MS = 3_000;

let stack: StackProcess;
let apiUrl: string;

beforeAll(async () => {
  stack = await startStackProcess(portsFrom(STACK_BASE_PORT), {
    SUPABASE_API_TEST_FAULTS: "on",
    PROVIDER_TIMEOUT_MS: String(PROVIDER_TIMEOUT_MS),
  });
  apiUrl = `http://127.0.0.1:${stack.ports.SUPABASE_API_PORT}`;
}, 40_000);

afterAll(async () => {
  await stack.stop();
});

beforeEach(async () => {
  await expectStatus(fetch(`${stack.sandboxUrl}/__sandbox/faults`, { method: "DELETE" }), 204);
  await expectStatus(fetch(`${apiUrl}/__test/faults`, { method: "DELETE" }), 204);
  await expectStatus(fetch(`${stack.sandboxUrl}/messages`, { method: "DELETE" }), 204);
  await expectStatus(postJson(`${stack.gatewayUrl}/admin/cache/purge`, { all: true }, ADMIN), 200);
});

const ADMIN = { Authorization: `Bearer ${LOCAL_SECRETS.ADMIN_SECRET}` };

function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function expectStatus(pending: Promise<Response>, status: number): Promise<void> {
  const response = await pending;
  await response.body?.cancel();
  expect(response.status).toBe(status);
}

function send(token: string, text: string): Promise<Response> {
  return postJson(`${stack.gatewayUrl}/whatsapp/send-text`, { number: RECIPIENT, text }, { token });
}

async function expectError(
  response: Response,
  expected: { status: number; code: string; message: string; retryAfter?: string },
): Promise<void> {
  expect(response.status).toBe(expected.status);
  expect(response.headers.get("Retry-After")).toBe(expected.retryAfter ?? null);
  expect(await response.json()).toEqual({
    error: { code: expected.code, message: expected.message },
    requestId: response.headers.get("X-Request-ID"),
  });
}

async function expectSent(response: Response): Promise<void> {
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({
    status: "sent",
    messageId: expect.stringMatching(/^3EB0[0-9A-F]{16}$/),
    requestId: response.headers.get("X-Request-ID"),
  });
}

/** Sends once more with the fault cleared and checks that only that message left. */
async function expectRecovery(token: string): Promise<void> {
  await expectSent(await send(token, "after the fault"));
  expect(await sandboxMessages(stack.sandboxUrl)).toEqual([
    { number: RECIPIENT, text: "after the fault" },
  ]);
}

const PROVIDER_FAULTS = [
  {
    name: "400 for a number not on WhatsApp",
    fault: { status: 400, body: { error: "the number is not on WhatsApp" } },
    status: 422,
    code: "recipient_rejected",
    message:
      "The WhatsApp provider rejected the message. Check that the number is registered on WhatsApp.",
  },
  {
    name: "429 with Retry-After",
    fault: { status: 429, body: { error: "rate limit" }, headers: { "Retry-After": "7" } },
    status: 429,
    code: "provider_rate_limited",
    message:
      "The WhatsApp provider is rate limiting this instance. Retry after the Retry-After delay.",
    retryAfter: "7",
  },
  {
    name: "500 connection closed",
    fault: { status: 500, body: { error: "connection closed" } },
    status: 503,
    code: "provider_disconnected",
    message:
      "The instance's WhatsApp session is disconnected at the provider. Reconnect it, then retry.",
    retryAfter: "30",
  },
  {
    name: "500",
    fault: { status: 500, body: { error: "internal" } },
    status: 502,
    code: "provider_error",
    message: "The WhatsApp provider failed with HTTP 500. Retry the request later.",
  },
  {
    name: "a closed connection",
    fault: { closeConnection: true },
    status: 502,
    code: "provider_unreachable",
    message: "The WhatsApp provider could not be reached. Retry the request later.",
  },
];

describe("provider faults through the stack", () => {
  it.each(PROVIDER_FAULTS)("provider $name, then recovery", async (expected) => {
    await expectStatus(postJson(`${stack.sandboxUrl}/__sandbox/faults`, expected.fault), 200);

    await expectError(await send("abc123", "during the fault"), expected);

    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
    await expectRecovery("abc123");
  });

  it(
    "provider timeout returns 504, then recovery",
    async () => {
      const fault = { status: 200, delayMs: PROVIDER_TIMEOUT_MS + 1_000 };
      await expectStatus(postJson(`${stack.sandboxUrl}/__sandbox/faults`, fault), 200);

      await expectError(await send("abc123", "during the fault"), {
        status: 504,
        code: "provider_timeout",
        message: `The WhatsApp provider did not respond within ${PROVIDER_TIMEOUT_MS} ms. The message may or may not have been sent.`,
      });

      expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
      await expectRecovery("abc123");
    },
    PROVIDER_TIMEOUT_MS + 15_000,
  );
});

const WORKER_UNAVAILABLE = {
  status: 503,
  code: "database_unavailable",
  message: "The instance database is unavailable; retry in a few seconds",
  retryAfter: "2",
};
const FUNCTION_UNAVAILABLE = {
  status: 503,
  code: "database_unavailable",
  message: "The database is unavailable. Retry the request later.",
  retryAfter: "1",
};

const LOOKUP_FAULTS = [
  {
    name: "slow past the timeout",
    fault: { kind: "delay", delayMs: POSTGREST_TIMEOUT_MS + 500 },
    expected: WORKER_UNAVAILABLE,
  },
  {
    name: "500",
    fault: { kind: "respond", status: 500, body: "{}" },
    expected: WORKER_UNAVAILABLE,
  },
  {
    name: "invalid JSON",
    fault: { kind: "respond", status: 200, body: '[{"id":' },
    expected: WORKER_UNAVAILABLE,
  },
  { name: "connection reset", fault: { kind: "reset" }, expected: WORKER_UNAVAILABLE },
  {
    name: "401",
    fault: { kind: "respond", status: 401, body: '{"message":"Invalid API key"}' },
    expected: {
      status: 500,
      code: "gateway_misconfigured",
      message: "The gateway is misconfigured; its operator has to fix the deployment settings",
    },
  },
];

function setDatabaseFault(fault: Record<string, unknown>): Promise<void> {
  return expectStatus(postJson(`${apiUrl}/__test/faults`, fault), 200);
}

function clearDatabaseFault(): Promise<void> {
  return expectStatus(fetch(`${apiUrl}/__test/faults`, { method: "DELETE" }), 204);
}

describe("database faults through the stack", () => {
  it.each(LOOKUP_FAULTS)("token lookup $name, then recovery", async ({ fault, expected }) => {
    await setDatabaseFault({ ...fault, target: "lookup" });

    await expectError(await send("abc123", "during the fault"), expected);

    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([]);
    await clearDatabaseFault();
    await expectRecovery("abc123");
  });

  it("lookups down: cached tokens send, unknown ones get 503", async () => {
    await expectSent(await send("abc123", "before"));
    await expectSent(await send("def456", "before"));
    await setDatabaseFault({ kind: "reset", target: "lookup" });

    await expectSent(await send("abc123", "cached 1"));
    await expectSent(await send("def456", "cached 2"));
    await expectError(await send("Fault-Unknown-Token-1", "unknown"), WORKER_UNAVAILABLE);
    await expectError(await send("ghi789", "not cached"), WORKER_UNAVAILABLE);

    const sent = (await sandboxMessages(stack.sandboxUrl)) as Array<{ text: string }>;
    const texts = sent.map((message) => message.text);
    expect(texts).toEqual(["before", "before", "cached 1", "cached 2"]);
    await clearDatabaseFault();
    await expectError(await send("Fault-Unknown-Token-1", "unknown"), {
      status: 401,
      code: "invalid_token",
      message: "Invalid token: no WhatsApp instance has this token",
    });
  });

  it("database down: nothing is sent, every token gets 503", async () => {
    await expectSent(await send("abc123", "before"));
    await setDatabaseFault({ kind: "reset", target: "rest" });

    // The Worker skips the lookup for a cached token, but the send-text function re-reads the
    // instance before every send, so the function returns the 503 itself.
    await expectError(await send("abc123", "cached"), FUNCTION_UNAVAILABLE);
    await expectError(await send("Fault-Unknown-Token-2", "unknown"), WORKER_UNAVAILABLE);

    expect(await sandboxMessages(stack.sandboxUrl)).toEqual([
      { number: RECIPIENT, text: "before" },
    ]);
    await clearDatabaseFault();
    await expectSent(await send("abc123", "after"));
  });
});

describe("stack output after the faults", () => {
  it("logs no token, secret or full number", () => {
    const forbidden = [
      "abc123",
      "def456",
      "ghi789",
      "Fault-Unknown-Token-1",
      "Fault-Unknown-Token-2",
      RECIPIENT,
      ...Object.values(LOCAL_SECRETS),
      ...SEED_PROVIDER_TOKENS,
    ].map(standalone);
    const lines = logLinesOf(stack.output);

    expect(lines.length).toBeGreaterThan(50);
    for (const line of lines) {
      expect(
        forbidden.filter((pattern) => pattern.test(line)),
        line,
      ).toEqual([]);
    }
  });
});
