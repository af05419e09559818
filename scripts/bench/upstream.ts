import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { InstanceRow } from "./tokens.ts";

/**
 * Stand-ins for the two Supabase endpoints the gateway calls. The PostgREST token lookup
 * responds after a fixed delay that stands for the database round trip, and the send-text
 * function responds at once. Both count their requests, and GET /__bench/counters returns
 * the counts.
 * The lookup filters either on the token (`instance_token=eq.<token>`) or on its SHA-256 hex
 * digest (`instance_token_sha256=eq.<digest>`), so the bench fits both forms of the gateway's
 * query.
 */

export const COUNTERS_PATH = "/__bench/counters";
const LOOKUP_PATH = "/rest/v1/whatsapp_instances";
const SEND_TEXT_PATH = "/functions/v1/send-text";
const LOOKUP_SELECT = "id,user_id,name,status";
const LOOKUP_LIMIT = "2";
const TOKEN_FILTER = "instance_token";
const DIGEST_FILTER = "instance_token_sha256";
// Longer than the pause between two scenarios, so workerd's pooled connections stay open.
const KEEP_ALIVE_TIMEOUT_MS = 60_000;

export interface UpstreamOptions {
  /** Delay before each lookup responds, like a database in another region. */
  dbDelayMs: number;
  table: ReadonlyMap<string, InstanceRow>;
  serviceRoleKey: string;
}

/** Counts since the server started. `prefix*` fields cover the tokens that start with `prefix`. */
export interface UpstreamCounters {
  lookups: number;
  sends: number;
  /** Requests the stand-ins rejected with an error status. Any of them spoils a run. */
  rejected: number;
  prefixLookups: number;
  prefixTokens: number;
  prefixMaxLookupsPerToken: number;
}

export interface RunningUpstream {
  url: string;
  close(): Promise<void>;
}

interface TableIndex {
  rows: ReadonlyMap<string, InstanceRow>;
  /** SHA-256 hex digest of each token -> the token. */
  tokensByDigest: ReadonlyMap<string, string>;
}

interface CounterState {
  lookups: number;
  sends: number;
  rejected: number;
  lookupsByToken: Map<string, number>;
}

export async function startUpstream(options: UpstreamOptions): Promise<RunningUpstream> {
  const state: CounterState = { lookups: 0, sends: 0, rejected: 0, lookupsByToken: new Map() };
  const index = indexTable(options.table);
  const server = createServer((request, response) => {
    routeRequest(request, response, { options, index, state });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

function indexTable(table: ReadonlyMap<string, InstanceRow>): TableIndex {
  const tokensByDigest = new Map<string, string>();
  for (const token of table.keys()) {
    tokensByDigest.set(createHash("sha256").update(token).digest("hex"), token);
  }
  return { rows: table, tokensByDigest };
}

interface ServerContext {
  options: UpstreamOptions;
  index: TableIndex;
  state: CounterState;
}

function routeRequest(
  request: IncomingMessage,
  response: ServerResponse,
  context: ServerContext,
): void {
  const { state } = context;
  const url = new URL(request.url ?? "/", "http://127.0.0.1");
  if (request.method === "GET" && url.pathname === LOOKUP_PATH) {
    serveLookup(request, url.searchParams, response, context);
  } else if (request.method === "POST" && url.pathname === SEND_TEXT_PATH) {
    serveSendText(request, response, state);
  } else if (request.method === "GET" && url.pathname === COUNTERS_PATH) {
    sendJson(response, 200, readCounters(state, url.searchParams.get("prefix") ?? ""));
  } else {
    state.rejected++;
    sendJson(response, 404, { message: `No stand-in serves ${request.method} ${url.pathname}` });
  }
}

function serveLookup(
  request: IncomingMessage,
  params: URLSearchParams,
  response: ServerResponse,
  { options, index, state }: ServerContext,
): void {
  const { dbDelayMs, serviceRoleKey } = options;
  if (
    request.headers.apikey !== serviceRoleKey ||
    request.headers.authorization !== `Bearer ${serviceRoleKey}`
  ) {
    state.rejected++;
    sendJson(response, 401, { message: "Invalid API key" });
    return;
  }
  const problem = describeLookupProblem(params);
  if (problem !== undefined) {
    state.rejected++;
    sendJson(response, 400, { code: "PGRST100", details: problem, hint: null, message: problem });
    return;
  }
  const token = findToken(params, index);
  state.lookups++;
  if (token !== undefined) {
    state.lookupsByToken.set(token, (state.lookupsByToken.get(token) ?? 0) + 1);
  }
  const row = token === undefined ? undefined : index.rows.get(token);
  setTimeout(() => sendJson(response, 200, row === undefined ? [] : [row]), dbDelayMs);
}

/** Returns the token a well-formed lookup filters on, or undefined for an unknown digest. */
function findToken(params: URLSearchParams, index: TableIndex): string | undefined {
  const tokenFilter = params.get(TOKEN_FILTER);
  if (tokenFilter !== null) {
    return tokenFilter.slice("eq.".length);
  }
  const digest = (params.get(DIGEST_FILTER) as string).slice("eq.".length);
  return index.tokensByDigest.get(digest);
}

/** Returns why a query string is not the gateway's lookup shape, or undefined when it is. */
export function describeLookupProblem(params: URLSearchParams): string | undefined {
  if (params.get("select") !== LOOKUP_SELECT) {
    return `select must be "${LOOKUP_SELECT}"`;
  }
  if (params.get("limit") !== LOOKUP_LIMIT) {
    return `limit must be ${LOOKUP_LIMIT}`;
  }
  const filter = params.has(TOKEN_FILTER) ? TOKEN_FILTER : DIGEST_FILTER;
  if (!params.get(filter)?.startsWith("eq.")) {
    return `${TOKEN_FILTER} or ${DIGEST_FILTER} must be an "eq." filter`;
  }
  const names = [...params.keys()].sort().join(",");
  if (names !== `${filter},limit,select`) {
    return `unexpected parameters: ${names}`;
  }
  return undefined;
}

function serveSendText(request: IncomingMessage, response: ServerResponse, state: CounterState) {
  // The body is read to the end before the response, as the real function reads it.
  request.resume();
  request.once("end", () => {
    state.sends++;
    const requestId = request.headers["x-request-id"];
    sendJson(response, 200, {
      status: "sent",
      messageId: `bench-message-${state.sends}`,
      requestId: typeof requestId === "string" ? requestId : "bench-request",
    });
  });
}

function readCounters(state: CounterState, prefix: string): UpstreamCounters {
  let prefixLookups = 0;
  let prefixTokens = 0;
  let prefixMaxLookupsPerToken = 0;
  if (prefix !== "") {
    for (const [token, count] of state.lookupsByToken) {
      if (token.startsWith(prefix)) {
        prefixLookups += count;
        prefixTokens++;
        prefixMaxLookupsPerToken = Math.max(prefixMaxLookupsPerToken, count);
      }
    }
  }
  const { lookups, sends, rejected } = state;
  return { lookups, sends, rejected, prefixLookups, prefixTokens, prefixMaxLookupsPerToken };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** Reads the counters of a running stand-in over HTTP, for a token prefix or none. */
export async function fetchUpstreamCounters(url: string, prefix = ""): Promise<UpstreamCounters> {
  const query = new URLSearchParams({ prefix });
  const response = await fetch(`${url}${COUNTERS_PATH}?${query}`);
  if (!response.ok) {
    throw new Error(`Reading the stand-in counters failed with HTTP ${response.status}`);
  }
  return (await response.json()) as UpstreamCounters;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
