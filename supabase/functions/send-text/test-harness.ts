/**
 * Test setup for the send-text handler: a PostgREST stand-in and a provider stand-in on
 * 127.0.0.1, a handler wired to both, and a logger that keeps every line for assertions.
 */
import {
  assertLogsExclude,
  assertErrorResponse as assertProjectErrorResponse,
} from "../_testing/assertions.ts";
import {
  buildTestRequest,
  createLogRecorder,
  type LogLine,
  type TestRequestOptions,
} from "../_testing/harness.ts";
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
  const { logs, logger } = createLogRecorder();
  const config: SendTextConfig = {
    supabaseUrl: options.supabaseUrl ?? postgrest.url,
    serviceRoleKey: SERVICE_ROLE_KEY,
    gatewaySharedSecret: GATEWAY_SECRET,
    uazapiBaseUrl: options.uazapiBaseUrl ?? provider.url,
    providerTimeoutMs: options.providerTimeoutMs ?? 2_000,
    postgrestTimeoutMs: options.postgrestTimeoutMs ?? 2_000,
  };
  const handle = createSendTextHandler(config, { logger });
  try {
    await test({ postgrest, provider, logs, handle });
    assertLogsRedacted(logs);
  } finally {
    await Promise.all([postgrest.close(), provider.close()]);
  }
}

/** Changes to the Worker's request; the body defaults to a valid {number, text}. */
export type SendRequestOptions = TestRequestOptions;

/** Builds the request the Worker sends, with the given changes. */
export function sendRequest(options: SendRequestOptions = {}): Request {
  const defaults = {
    headers: {
      "Content-Type": "application/json",
      apikey: SERVICE_ROLE_KEY,
      Authorization: `Bearer ${SERVICE_ROLE_KEY}`,
      token: INSTANCE_TOKEN,
      "X-Instance-ID": INSTANCE_ID,
      "X-Gateway-Secret": GATEWAY_SECRET,
      "X-Request-ID": REQUEST_ID,
    },
    body: JSON.stringify({ number: RECIPIENT, text: MESSAGE_TEXT }),
  };
  return buildTestRequest("http://127.0.0.1/send-text", defaults, options);
}

/** Asserts an error response; the request id defaults to REQUEST_ID. */
export function assertErrorResponse(
  response: Response,
  expected: { status: number; code: string; message: string; requestId?: string },
): Promise<void> {
  return assertProjectErrorResponse(response, {
    ...expected,
    requestId: expected.requestId ?? REQUEST_ID,
  });
}

/** Asserts that no log line contains a token, a secret or the full recipient number. */
export function assertLogsRedacted(logs: LogLine[]): void {
  assertLogsExclude(logs, [
    INSTANCE_TOKEN,
    PROVIDER_TOKEN,
    GATEWAY_SECRET,
    SERVICE_ROLE_KEY,
    RECIPIENT,
  ]);
}
