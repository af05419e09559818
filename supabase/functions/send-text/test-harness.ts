/**
 * Test setup for the send-text handler: a PostgREST stand-in and a provider stand-in on
 * 127.0.0.1, a handler wired to both, and a logger that keeps every line for assertions.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { LogFields, LogLevel } from "../_shared/log.ts";
import {
  buildJsonResponse,
  type StandInResponder,
  type StandInServer,
  startStandInServer,
} from "../_testing/stand-in-server.ts";
import type { SendTextConfig } from "./config.ts";
import { createSendTextHandler } from "./handler.ts";

export const INSTANCE_ID = "00000000-0000-4000-8000-00000000b001";
export const INSTANCE_TOKEN = "abc123";
export const PROVIDER_TOKEN = "sandbox-provider-vendas";
export const GATEWAY_SECRET = "local-gateway-shared-secret";
export const SERVICE_ROLE_KEY = "local-service-role-key";
export const RECIPIENT = "5511987654321";
export const MESSAGE_TEXT = "Hello from the gateway";
export const REQUEST_ID = "test-request-1";

export interface LogLine extends LogFields {
  level: LogLevel;
  event: string;
  requestId: string;
}

export interface HarnessOptions {
  /** Responder of the PostgREST stand-in. Defaults to one connected row. */
  postgrest?: StandInResponder;
  /** Responder of the provider stand-in. Defaults to a uazapi-like 200. */
  provider?: StandInResponder;
  /** Overrides the PostgREST URL, for example to point at a closed port. */
  supabaseUrl?: string;
  /** Overrides the provider URL, for example to point at a closed port. */
  uazapiBaseUrl?: string;
  providerTimeoutMs?: number;
  postgrestTimeoutMs?: number;
}

export interface Harness {
  postgrest: StandInServer;
  provider: StandInServer;
  logs: LogLine[];
  handle(request: Request): Promise<Response>;
}

/** Returns a whatsapp_instances row as the service role reads it. */
export function instanceRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: INSTANCE_ID,
    status: "connected",
    instance_token: INSTANCE_TOKEN,
    provider_token: PROVIDER_TOKEN,
    ...overrides,
  };
}

export const respondWithRows =
  (rows: unknown[]): StandInResponder =>
  () =>
    buildJsonResponse(200, rows);

export const providerAccepts: StandInResponder = () =>
  buildJsonResponse(200, { id: "r1a2b3c4", messageid: "3EB0A1B2C3D4E5F6", status: "Pending" });

/** Runs `test` against a fresh harness and closes both stand-ins afterwards. */
export async function withHarness(
  options: HarnessOptions,
  test: (harness: Harness) => Promise<void>,
): Promise<void> {
  const postgrest = startStandInServer(options.postgrest ?? respondWithRows([instanceRow()]));
  const provider = startStandInServer(options.provider ?? providerAccepts);
  const logs: LogLine[] = [];
  const config: SendTextConfig = {
    supabaseUrl: options.supabaseUrl ?? postgrest.url,
    serviceRoleKey: SERVICE_ROLE_KEY,
    gatewaySharedSecret: GATEWAY_SECRET,
    uazapiBaseUrl: options.uazapiBaseUrl ?? provider.url,
    providerTimeoutMs: options.providerTimeoutMs ?? 2_000,
    postgrestTimeoutMs: options.postgrestTimeoutMs ?? 2_000,
  };
  const handle = createSendTextHandler(config, {
    logger: (level, event, requestId, fields) => logs.push({ ...fields, level, event, requestId }),
  });
  try {
    await test({ postgrest, provider, logs, handle });
    assertLogsRedacted(logs);
  } finally {
    await Promise.all([postgrest.close(), provider.close()]);
  }
}

export interface SendRequestOptions {
  method?: string;
  /** Header overrides; null removes a default header. */
  headers?: Record<string, string | null>;
  /** Raw body; defaults to a valid {number, text}. */
  body?: string;
}

/** Builds the request the Worker sends, with the given changes. */
export function sendRequest(options: SendRequestOptions = {}): Request {
  const headers = new Headers({
    "Content-Type": "application/json",
    apikey: SERVICE_ROLE_KEY,
    Authorization: `Bearer ${SERVICE_ROLE_KEY}`,
    token: INSTANCE_TOKEN,
    "X-Instance-ID": INSTANCE_ID,
    "X-Gateway-Secret": GATEWAY_SECRET,
    "X-Request-ID": REQUEST_ID,
  });
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) {
      headers.delete(name);
    } else {
      headers.set(name, value);
    }
  }
  const method = options.method ?? "POST";
  const body = options.body ?? JSON.stringify({ number: RECIPIENT, text: MESSAGE_TEXT });
  return new Request("http://127.0.0.1/send-text", {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? null : body,
  });
}

/** Asserts the status, X-Request-ID, Content-Type and the whole error body. */
export async function assertErrorResponse(
  response: Response,
  expected: { status: number; code: string; message: string; requestId?: string },
): Promise<void> {
  const requestId = expected.requestId ?? REQUEST_ID;
  strictEqual(response.status, expected.status);
  strictEqual(response.headers.get("x-request-id"), requestId);
  strictEqual(response.headers.get("content-type"), "application/json; charset=utf-8");
  deepStrictEqual(await response.json(), {
    error: { code: expected.code, message: expected.message },
    requestId,
  });
}

/** Asserts that no log line contains a token, a secret or the full recipient number. */
export function assertLogsRedacted(logs: LogLine[]): void {
  const text = JSON.stringify(logs);
  for (const secret of [
    INSTANCE_TOKEN,
    PROVIDER_TOKEN,
    GATEWAY_SECRET,
    SERVICE_ROLE_KEY,
    RECIPIENT,
  ]) {
    ok(!text.includes(secret), `a log line contains ${secret}`);
  }
}
