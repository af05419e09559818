/**
 * TEST-ONLY fault injection for the local Supabase API stand-in (scripts/local/postgrest.ts).
 * It exists so that end-to-end tests can make the database misbehave without restarting the
 * stack. It is off unless the environment variable SUPABASE_API_TEST_FAULTS is "on"; without
 * it the control route below is an unknown path like any other.
 *
 * Routes, when on:
 *   POST   /__test/faults   sets the fault that /rest/v1 requests meet until it is cleared
 *   DELETE /__test/faults   clears it, so the next request is served normally
 *
 * Body of POST, every field but `kind` optional:
 *   {"kind": "respond", "target": "lookup", "status": 500, "body": "{\"message\":\"boom\"}"}
 *   {"kind": "delay", "delayMs": 3500}      waits, then serves the request normally
 *   {"kind": "reset"}                       closes the connection without a response
 * `target` is "rest" (every /rest/v1 request, the default) or "lookup" (only requests that
 * filter on instance_token, which is the Worker's token lookup and not the send-text re-read).
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** Environment variable that turns the fault route on. */
export const API_TEST_FAULTS_VARIABLE = "SUPABASE_API_TEST_FAULTS";

const CONTROL_PATH = "/__test/faults";
const REST_PREFIX = "/rest/v1/";
const MAX_DELAY_MS = 60_000;
const MAX_CONTROL_BODY_BYTES = 64 * 1024;

type FaultKind = "respond" | "delay" | "reset";
type FaultTarget = "rest" | "lookup";

interface ApiFault {
  kind: FaultKind;
  target: FaultTarget;
  status: number;
  body: string;
  delayMs: number;
}

/** Fault state of one API stand-in. */
export interface ApiTestFaults {
  /**
   * Handles the control route or applies the current fault to a REST request. Returns true when
   * the request got its response or its connection was closed, and false when the caller
   * should serve it.
   */
  intercept(request: IncomingMessage, response: ServerResponse): Promise<boolean>;
}

/** Returns the fault state when SUPABASE_API_TEST_FAULTS is "on", else undefined. */
export function createApiTestFaults(
  environment: NodeJS.ProcessEnv = process.env,
): ApiTestFaults | undefined {
  if (environment[API_TEST_FAULTS_VARIABLE] !== "on") {
    return undefined;
  }
  let current: ApiFault | undefined;
  return {
    async intercept(request, response) {
      const url = request.url ?? "/";
      if (url === CONTROL_PATH) {
        current = await handleControlRequest(request, response, current);
        return true;
      }
      if (current === undefined || !matchesTarget(url, current.target)) {
        return false;
      }
      return await applyFault(current, request, response);
    },
  };
}

async function handleControlRequest(
  request: IncomingMessage,
  response: ServerResponse,
  current: ApiFault | undefined,
): Promise<ApiFault | undefined> {
  if (request.method === "DELETE") {
    request.resume();
    response.writeHead(204).end();
    return undefined;
  }
  if (request.method !== "POST") {
    request.resume();
    sendJson(response, 405, { error: "Use POST or DELETE" }, { Allow: "POST, DELETE" });
    return current;
  }
  const fault = readFault(await readText(request));
  if (typeof fault === "string") {
    sendJson(response, 400, { error: fault });
    return current;
  }
  sendJson(response, 200, { fault });
  return fault;
}

function matchesTarget(url: string, target: FaultTarget): boolean {
  if (!url.startsWith(REST_PREFIX)) {
    return false;
  }
  if (target === "rest") {
    return true;
  }
  const query = url.includes("?") ? url.slice(url.indexOf("?") + 1) : "";
  return new URLSearchParams(query).has("instance_token_sha256");
}

async function applyFault(
  fault: ApiFault,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  if (fault.kind === "reset") {
    request.socket.destroy();
    return true;
  }
  if (fault.kind === "delay") {
    await new Promise((resolve) => setTimeout(resolve, fault.delayMs).unref());
    return false;
  }
  request.resume();
  response.writeHead(fault.status, { "Content-Type": "application/json; charset=utf-8" });
  response.end(fault.body);
  return true;
}

/** Returns the fault, or the error text of a 400 response. */
function readFault(text: string | undefined): ApiFault | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? "");
  } catch {
    return `Body must be a JSON object of at most ${MAX_CONTROL_BODY_BYTES} bytes`;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return "Body must be a JSON object";
  }
  const {
    kind,
    target = "rest",
    status = 500,
    body = "",
    delayMs = 0,
  } = parsed as Record<string, unknown>;
  if (kind !== "respond" && kind !== "delay" && kind !== "reset") {
    return 'kind must be "respond", "delay" or "reset"';
  }
  if (target !== "rest" && target !== "lookup") {
    return 'target must be "rest" or "lookup"';
  }
  if (!Number.isInteger(status) || (status as number) < 200 || (status as number) > 599) {
    return "status must be an HTTP status from 200 to 599";
  }
  if (typeof body !== "string") {
    return "body must be a string, sent as is";
  }
  if (!Number.isInteger(delayMs) || (delayMs as number) < 0 || (delayMs as number) > MAX_DELAY_MS) {
    return `delayMs must be a whole number from 0 to ${MAX_DELAY_MS}`;
  }
  return { kind, target, status: status as number, body, delayMs: delayMs as number };
}

/** Reads the body as text, or returns undefined once it passes MAX_CONTROL_BODY_BYTES. */
function readText(request: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let totalBytes = 0;
    request.on("data", (chunk: Buffer) => {
      totalBytes += chunk.byteLength;
      if (totalBytes <= MAX_CONTROL_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    request.once("end", () => {
      resolve(totalBytes > MAX_CONTROL_BODY_BYTES ? undefined : Buffer.concat(chunks).toString());
    });
    request.once("error", reject);
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { ...headers, "Content-Type": "application/json; charset=utf-8" });
  response.end(JSON.stringify(body));
}
