/**
 * Test setup for the invalidate-token-cache handler: a Worker stand-in on 127.0.0.1 that purges
 * like the real endpoint, a handler wired to it, and a logger that keeps every line.
 */

import { hashTokenForLog } from "../_shared/hash.ts";
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
import { DEFAULT_PURGE_TIMEOUT_MS, type InvalidateTokenCacheConfig } from "./config.ts";
import { createInvalidateTokenCacheHandler } from "./handler.ts";
import type { EventType } from "./payload.ts";

export const WEBHOOK_SECRET = "local-webhook-secret";
export const ADMIN_SECRET = "local-admin-secret";
export const REQUEST_ID = "webhook-request-1";
export const INSTANCE_TOKEN = "abc123";
export const ROTATED_TOKEN = "rotated-token-1";
export const PROVIDER_TOKEN = "sandbox-provider-vendas";

export interface HarnessOptions {
  /** Responder of the Worker stand-in. Defaults to a purge that succeeds. */
  worker?: StandInResponder;
  /** Overrides the Worker URL, for example to point at a closed port. */
  gatewayUrl?: string;
  purgeTimeoutMs?: number;
}

export interface Harness {
  worker: StandInServer;
  logs: LogLine[];
  handle(request: Request): Promise<Response>;
}

/** Responds like the Worker's purge endpoint, which counts each distinct token as purged. */
export const workerPurges: StandInResponder = async (request) => {
  const { tokens } = JSON.parse(request.body) as { tokens: string[] };
  const keys = await Promise.all([...new Set(tokens)].map(hashTokenForLog));
  return buildJsonResponse(200, { purged: keys.length, keys });
};

/** Runs `test` against a fresh harness and closes the Worker stand-in afterwards. */
export async function withHarness(
  options: HarnessOptions,
  test: (harness: Harness) => Promise<void>,
): Promise<void> {
  const worker = startStandInServer(options.worker ?? workerPurges);
  const { logs, logger } = createLogRecorder();
  const config: InvalidateTokenCacheConfig = {
    webhookSecret: WEBHOOK_SECRET,
    gatewayUrl: options.gatewayUrl ?? worker.url,
    adminSecret: ADMIN_SECRET,
    purgeTimeoutMs: options.purgeTimeoutMs ?? DEFAULT_PURGE_TIMEOUT_MS,
  };
  const handle = createInvalidateTokenCacheHandler(config, { logger });
  try {
    await test({ worker, logs, handle });
    assertLogsExclude(logs, [
      INSTANCE_TOKEN,
      ROTATED_TOKEN,
      PROVIDER_TOKEN,
      WEBHOOK_SECRET,
      ADMIN_SECRET,
    ]);
  } finally {
    await worker.close();
  }
}

/** Returns the seed's Vendas row as the database webhook sends it. */
export function instanceRow(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "00000000-0000-4000-8000-00000000b001",
    user_id: "00000000-0000-4000-8000-00000000a001",
    name: "Vendas",
    instance_token: INSTANCE_TOKEN,
    provider_token: PROVIDER_TOKEN,
    status: "connected",
    created_at: "2026-12-04T00:00:00+00:00",
    updated_at: "2026-12-04T00:00:00+00:00",
    ...overrides,
  };
}

/** Builds a Database Webhook payload with `record` and `old_record` set as the event type has them. */
export function webhookPayload(
  type: EventType,
  rows: { record?: Record<string, unknown>; oldRecord?: Record<string, unknown> } = {},
): Record<string, unknown> {
  return {
    type,
    table: "whatsapp_instances",
    schema: "public",
    record: type === "DELETE" ? null : (rows.record ?? instanceRow()),
    old_record: type === "INSERT" ? null : (rows.oldRecord ?? instanceRow()),
  };
}

/** Changes to the webhook request; the body defaults to an UPDATE of the seed's Vendas row. */
export type WebhookRequestOptions = TestRequestOptions;

/** Builds the request the database webhook sends, with the given changes. */
export function webhookRequest(options: WebhookRequestOptions = {}): Request {
  const defaults = {
    headers: {
      "Content-Type": "application/json",
      "X-Webhook-Secret": WEBHOOK_SECRET,
      "X-Request-ID": REQUEST_ID,
    },
    body: JSON.stringify(webhookPayload("UPDATE")),
  };
  return buildTestRequest("http://127.0.0.1/invalidate-token-cache", defaults, options);
}

/** Asserts an error response to the request with REQUEST_ID. */
export function assertErrorResponse(
  response: Response,
  expected: { status: number; code: string; message: string },
): Promise<void> {
  return assertProjectErrorResponse(response, { ...expected, requestId: REQUEST_ID });
}
