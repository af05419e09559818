import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Env } from "../../src/env";
import worker from "../../src/index";

/** Secrets the tests configure; the log and body checks look for them. */
export const TEST_SERVICE_ROLE_KEY = "test-service-role-key-7f3a";
export const TEST_GATEWAY_SECRET = "test-gateway-shared-secret-91c2";
export const TEST_ADMIN_SECRET = "test-admin-secret-5d8e";
export const TEST_SUPABASE_URL = "http://127.0.0.1:54321";

export const GATEWAY_ORIGIN = "http://gateway.test";

/**
 * Returns a complete Env with the KV binding from wrangler.toml and test secrets. Each call
 * returns a new object, so each test gets its own configuration validation.
 */
export function testEnv(overrides: Record<string, unknown> = {}): Env {
  return {
    TOKEN_CACHE: env.TOKEN_CACHE,
    SUPABASE_URL: TEST_SUPABASE_URL,
    SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_ROLE_KEY,
    GATEWAY_SHARED_SECRET: TEST_GATEWAY_SECRET,
    ADMIN_SECRET: TEST_ADMIN_SECRET,
    ...overrides,
  } as Env;
}

/** Sends a request through the Worker's fetch handler and waits for its waitUntil work. */
export async function callGateway(
  request: Request,
  gatewayEnv: Env = testEnv(),
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, gatewayEnv, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

export const DEFAULT_SEND_BODY = { number: "5511999999999", text: "Hello from the tests" };

export interface SendTextRequestOptions {
  /** Value of the token header; null leaves the header out. */
  token?: string | null;
  headers?: Record<string, string>;
  /** A value to serialise as JSON, ignored when rawBody is given. */
  body?: unknown;
  rawBody?: BodyInit;
}

/** Builds POST /whatsapp/send-text with the seed's connected token and a valid body. */
export function sendTextRequest(options: SendTextRequestOptions = {}): Request {
  const headers = new Headers({ "Content-Type": "application/json", ...options.headers });
  const token = options.token === undefined ? "abc123" : options.token;
  if (token !== null) {
    headers.set("token", token);
  }
  const body = options.rawBody ?? JSON.stringify(options.body ?? DEFAULT_SEND_BODY);
  return new Request(`${GATEWAY_ORIGIN}/whatsapp/send-text`, { method: "POST", headers, body });
}
