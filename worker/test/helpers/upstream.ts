import { expect, vi } from "vitest";
import { sha256Hex } from "../../src/token-hash";
import { TEST_SERVICE_ROLE_KEY, TEST_SUPABASE_URL } from "./gateway";

/** One outgoing request the Worker made, as the stub received it. */
export interface RecordedCall {
  url: URL;
  method: string;
  headers: Headers;
  body: string;
}

export type UpstreamHandler = (
  call: RecordedCall,
  signal: AbortSignal | undefined,
) => Response | Promise<Response>;

export interface InstanceRow {
  id: string;
  user_id: string;
  name: string;
  status: "connected" | "connecting" | "disconnected";
}

/** Rows by token, as in the seed, plus one instance that is still connecting. */
export const INSTANCE_ROWS: Record<string, InstanceRow> = {
  abc123: {
    id: "00000000-0000-4000-8000-00000000b001",
    user_id: "00000000-0000-4000-8000-00000000a001",
    name: "Vendas",
    status: "connected",
  },
  ghi789: {
    id: "00000000-0000-4000-8000-00000000b003",
    user_id: "00000000-0000-4000-8000-00000000a003",
    name: "Marketing",
    status: "disconnected",
  },
  jkl321: {
    id: "00000000-0000-4000-8000-00000000b004",
    user_id: "00000000-0000-4000-8000-00000000a003",
    name: "Pairing",
    status: "connecting",
  },
};

/** Name of the lookup's filter column: the SHA-256 hex digest of the token. */
export const TOKEN_DIGEST_COLUMN = "instance_token_sha256";

// Computed once when the module loads, so a request to the stub computes no digest itself.
const INSTANCE_ROWS_BY_DIGEST = new Map(
  await Promise.all(
    Object.entries(INSTANCE_ROWS).map(
      async ([token, row]) => [await sha256Hex(token), row] as const,
    ),
  ),
);

/** Returns the rows whose token digest equals the eq. filter, as PostgREST does for the lookup. */
export const answerFromInstanceRows: UpstreamHandler = (call) => {
  if (call.headers.get("apikey") !== TEST_SERVICE_ROLE_KEY) {
    return Response.json({ message: "Invalid API key" }, { status: 401 });
  }
  const filter = call.url.searchParams.get(TOKEN_DIGEST_COLUMN) ?? "";
  const row = filter.startsWith("eq.") ? INSTANCE_ROWS_BY_DIGEST.get(filter.slice(3)) : undefined;
  return Response.json(row === undefined ? [] : [row]);
};

/**
 * Asserts that a PostgREST call is the token lookup for `token`: the whole URL is fixed text
 * plus the token's SHA-256 hex digest, so the token cannot appear in it in any encoding.
 */
export async function expectLookupOf(call: RecordedCall | undefined, token: string) {
  const digest = await sha256Hex(token);
  expect(call?.method).toBe("GET");
  expect(call?.url.href).toBe(
    `${TEST_SUPABASE_URL}/rest/v1/whatsapp_instances?select=id%2Cuser_id%2Cname%2Cstatus` +
      `&${TOKEN_DIGEST_COLUMN}=eq.${digest}&limit=2`,
  );
}

/** Responds as the send-text function does after the provider accepted the message. */
export const answerSent: UpstreamHandler = (call) =>
  Response.json({
    status: "sent",
    messageId: "3EB0C767D26A1D8A7C41",
    requestId: call.headers.get("X-Request-ID"),
  });

/** Never responds, and rejects once the caller's timeout aborts the request. */
export const hangUntilAborted: UpstreamHandler = (_call, signal) =>
  new Promise((_resolve, reject) => {
    signal?.addEventListener("abort", () => reject(signal.reason));
  });

export interface UpstreamStub {
  calls: RecordedCall[];
  postgrestCalls(): RecordedCall[];
  sendTextCalls(): RecordedCall[];
  onPostgrest(handler: UpstreamHandler): void;
  onSendText(handler: UpstreamHandler): void;
}

const POSTGREST_PATH = "/rest/v1/whatsapp_instances";
const SEND_TEXT_PATH = "/functions/v1/send-text";

/**
 * Replaces globalThis.fetch with stand-ins for PostgREST and the send-text function that
 * record every call. Any other URL fails the request, so nothing leaves the test.
 */
export function stubUpstream(): UpstreamStub {
  const calls: RecordedCall[] = [];
  const handlers = { postgrest: answerFromInstanceRows, sendText: answerSent };
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input, init);
    const call = {
      url: new URL(request.url),
      method: request.method,
      headers: request.headers,
      body: await request.text(),
    };
    calls.push(call);
    if (call.url.pathname === POSTGREST_PATH) {
      return handlers.postgrest(call, init?.signal ?? undefined);
    }
    if (call.url.pathname === SEND_TEXT_PATH) {
      return handlers.sendText(call, init?.signal ?? undefined);
    }
    throw new TypeError(`The test stub has no answer for ${request.url}`);
  });
  return {
    calls,
    postgrestCalls: () => calls.filter((call) => call.url.pathname === POSTGREST_PATH),
    sendTextCalls: () => calls.filter((call) => call.url.pathname === SEND_TEXT_PATH),
    onPostgrest: (handler) => {
      handlers.postgrest = handler;
    },
    onSendText: (handler) => {
      handlers.sendText = handler;
    },
  };
}
