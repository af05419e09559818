/**
 * Cloudflare KV REST API stand-in: a local imitation, for tests, of the two endpoints of
 * Cloudflare's API v4 that the purge CLI calls. It copies their paths, the
 * `Authorization: Bearer <API token>` check, the `{success, errors, messages, result}` envelope,
 * list paging through `result_info.cursor` and the limits of both calls. It stores one account with
 * one namespace, in memory.
 *
 * Routes, under `<url>` (which ends in /client/v4 as the real base URL does):
 *   GET  /accounts/{account_id}/storage/kv/namespaces/{namespace_id}/keys?prefix=&limit=&cursor=
 *   POST /accounts/{account_id}/storage/kv/namespaces/{namespace_id}/bulk/delete  (JSON array of names)
 *
 * NOTE: error code 10000 ("Authentication error") is Cloudflare's; the other error codes here are
 * chosen for the stand-in. The CLI prints whatever code and message it receives, so no test
 * depends on them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Limits of the real API, from Cloudflare's API reference for these two endpoints. */
export const KV_API_LIMITS = {
  listDefaultKeys: 1_000,
  listMinKeys: 10,
  listMaxKeys: 1_000,
  bulkDeleteMaxKeys: 10_000,
} as const;

/** Largest accepted request body; a chosen value that fits 10,000 names of 512 bytes each. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const API_BASE_PATH = "/client/v4";
const ROUTE = /^\/accounts\/([^/]+)\/storage\/kv\/namespaces\/([^/]+)\/(keys|bulk\/delete)$/;

export interface CloudflareKvApiOptions {
  host: string;
  /** TCP port; 0 picks a free one, which the returned `url` reports. */
  port: number;
  accountId: string;
  namespaceId: string;
  /** The only API token accepted in `Authorization: Bearer <token>`. */
  apiToken: string;
}

/** One request the stand-in received, for tests that count calls. */
export interface RecordedKvApiRequest {
  method: string;
  /** Path below the base URL, without the query string. */
  path: string;
  query: URLSearchParams;
}

export interface CloudflareKvApi {
  /** Base URL to use in place of https://api.cloudflare.com/client/v4. */
  url: string;
  /** Names of the stored keys, sorted as KV lists them. */
  keys(): string[];
  put(key: string, value: string): void;
  /** Makes bulk deletes report these keys in `unsuccessful_keys` and keep them. */
  failDeletesOf(keys: readonly string[]): void;
  /** Deletes every key, clears failDeletesOf and clears the recorded requests. */
  reset(): void;
  requests(): RecordedKvApiRequest[];
  close(): Promise<void>;
}

interface ApiError {
  code: number;
  message: string;
}

class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

interface KvState {
  options: CloudflareKvApiOptions;
  values: Map<string, string>;
  undeletable: Set<string>;
  requests: RecordedKvApiRequest[];
}

/** Starts the stand-in and resolves once it listens. */
export async function startCloudflareKvApi(
  options: CloudflareKvApiOptions,
): Promise<CloudflareKvApi> {
  const state: KvState = { options, values: new Map(), undeletable: new Set(), requests: [] };
  const server = createServer((request, response) => {
    handleRequest(state, request)
      .then((envelope) => sendEnvelope(response, envelope))
      .catch((error: unknown) => sendFailure(response, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}${API_BASE_PATH}`,
    keys: () => sortedKeys(state),
    put: (key, value) => {
      state.values.set(key, value);
    },
    failDeletesOf: (keys) => {
      for (const key of keys) state.undeletable.add(key);
    },
    reset: () => {
      state.values.clear();
      state.undeletable.clear();
      state.requests.length = 0;
    },
    requests: () => [...state.requests],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Envelope {
  result: unknown;
  resultInfo?: Record<string, unknown>;
}

async function handleRequest(state: KvState, request: IncomingMessage): Promise<Envelope> {
  const url = new URL(request.url ?? "/", "http://stand-in");
  const path = url.pathname.startsWith(`${API_BASE_PATH}/`)
    ? url.pathname.slice(API_BASE_PATH.length)
    : url.pathname;
  state.requests.push({ method: request.method ?? "", path, query: url.searchParams });
  checkAuthorization(request.headers.authorization, state.options.apiToken);

  const match = url.pathname.startsWith(`${API_BASE_PATH}/`) ? ROUTE.exec(path) : null;
  if (match === null) throw new ApiFailure(404, { code: 7000, message: "No route for that URI" });
  const [, accountId, namespaceId, action] = match;
  checkIdentifiers(
    state.options,
    decodePathSegment(accountId),
    decodePathSegment(namespaceId),
    path,
  );

  if (action === "keys" && request.method === "GET") return listKeys(state, url.searchParams);
  if (action === "bulk/delete" && request.method === "POST") {
    return bulkDelete(state, await readJson(request));
  }
  throw new ApiFailure(405, { code: 10405, message: "Method not allowed for this endpoint" });
}

function checkAuthorization(header: string | undefined, apiToken: string): void {
  const authenticationError = { code: 10000, message: "Authentication error" };
  if (header === undefined || header === "") throw new ApiFailure(401, authenticationError);
  if (header !== `Bearer ${apiToken}`) throw new ApiFailure(403, authenticationError);
}

function checkIdentifiers(
  options: CloudflareKvApiOptions,
  accountId: string,
  namespaceId: string,
  path: string,
): void {
  if (accountId !== options.accountId) {
    throw new ApiFailure(404, {
      code: 7003,
      message: `Could not route to ${path}, perhaps your object identifier is invalid?`,
    });
  }
  if (namespaceId !== options.namespaceId) {
    throw new ApiFailure(404, { code: 10013, message: "namespace not found" });
  }
}

function decodePathSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    // A malformed escape cannot name the account or namespace, so it reads as an unknown one.
    return "";
  }
}

function listKeys(state: KvState, query: URLSearchParams): Envelope {
  const prefix = query.get("prefix") ?? "";
  const limit = readListLimit(query.get("limit"));
  const after = decodeCursor(query.get("cursor"));
  const matching = sortedKeys(state).filter(
    (name) => name.startsWith(prefix) && (after === undefined || name > after),
  );
  const page = matching.slice(0, limit);
  const last = page.at(-1);
  // The real API returns an empty cursor on the last page.
  const cursor = matching.length > limit && last !== undefined ? encodeCursor(last) : "";
  return {
    result: page.map((name) => ({ name })),
    resultInfo: { count: page.length, cursor },
  };
}

function readListLimit(text: string | null): number {
  if (text === null || text === "") return KV_API_LIMITS.listDefaultKeys;
  const limit = Number(text);
  const { listMinKeys, listMaxKeys } = KV_API_LIMITS;
  if (!/^[0-9]+$/.test(text) || limit < listMinKeys || limit > listMaxKeys) {
    throw new ApiFailure(400, {
      code: 10023,
      message: `Invalid limit ${JSON.stringify(text)}: limit must be a whole number from ${listMinKeys} to ${listMaxKeys}`,
    });
  }
  return limit;
}

// A cursor names the last key of the previous page, so deleting listed keys does not move it.
function encodeCursor(lastKey: string): string {
  return Buffer.from(lastKey, "utf8").toString("base64url");
}

function decodeCursor(cursor: string | null): string | undefined {
  if (cursor === null || cursor === "") return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new ApiFailure(400, {
      code: 10020,
      message: "Invalid cursor: pass a cursor from a list",
    });
  }
  return Buffer.from(cursor, "base64url").toString("utf8");
}

function bulkDelete(state: KvState, body: unknown): Envelope {
  if (!Array.isArray(body) || !body.every((name) => typeof name === "string")) {
    throw new ApiFailure(400, {
      code: 10026,
      message: "Invalid request body: expected a JSON array of key names",
    });
  }
  const max = KV_API_LIMITS.bulkDeleteMaxKeys;
  if (body.length > max) {
    throw new ApiFailure(400, {
      code: 10026,
      message: `Too many keys: ${body.length} keys in one bulk delete; send at most ${max}`,
    });
  }
  const unsuccessful = body.filter((name) => state.undeletable.has(name));
  for (const name of body) {
    if (!state.undeletable.has(name)) state.values.delete(name);
  }
  return {
    result: {
      successful_key_count: body.length - unsuccessful.length,
      unsuccessful_keys: unsuccessful,
    },
  };
}

function sortedKeys(state: KvState): string[] {
  return [...state.values.keys()].sort();
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new ApiFailure(413, {
        code: 10011,
        message: `Request body too large: send at most ${MAX_BODY_BYTES} bytes`,
      });
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new ApiFailure(400, { code: 10026, message: "Invalid request body: not valid JSON" });
  }
}

function sendEnvelope(response: ServerResponse, { result, resultInfo }: Envelope): void {
  const info = resultInfo === undefined ? {} : { result_info: resultInfo };
  sendJson(response, 200, { success: true, errors: [], messages: [], result, ...info });
}

function sendFailure(response: ServerResponse, error: unknown): void {
  const internal = { code: 10001, message: "Internal stand-in error" };
  const failure = error instanceof ApiFailure ? error : new ApiFailure(500, internal);
  const body = { success: false, errors: [failure.error], messages: [], result: null };
  sendJson(response, failure.status, body);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  response.end(text);
}
