/**
 * LOCAL STAND-IN for Supabase's API gateway and PostgREST, for the local stack and tests only.
 *
 * It serves two things on one port, as a Supabase project does:
 *   - /rest/v1/<table>: the PostgREST read requests this project sends (GET with select, eq
 *     filters and limit), run as parameterised SQL on the real local database under the API
 *     key's role, so grants and row-level security apply. Everything else is rejected with
 *     PostgREST's error shape.
 *   - /functions/v1/<name>: a proxy to the local Edge Functions server, with the platform's
 *     verify_jwt check taken from supabase/config.toml.
 * Production uses the real Supabase platform.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { PGlite } from "@electric-sql/pglite";
import { type ApiTestFaults, createApiTestFaults } from "./api-test-faults.ts";
import { ApiError, postgrestError } from "./postgrest-errors.ts";
import { type FunctionsGatewayOptions, handleFunctionRequest } from "./postgrest-functions.ts";
import { readVerifyJwtSettings } from "./postgrest-functions-config.ts";
import { type ApiKeys, type ApiRole, readBearerToken, roleForApiKey } from "./postgrest-keys.ts";
import { parseReadRequest } from "./postgrest-query.ts";
import { runRead } from "./postgrest-read.ts";

/** PostgREST's default db-pool-acquisition-timeout: how long a request waits for the database. */
export const DEFAULT_POOL_ACQUISITION_TIMEOUT_MS = 10_000;

const REST_PREFIX = "/rest/v1/";
const FUNCTIONS_PREFIX = "/functions/v1/";
const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

export interface SupabaseApiOptions {
  db: PGlite;
  host: string;
  /** TCP port; 0 picks a free one, which the returned URL contains. */
  port: number;
  anonKey: string;
  serviceRoleKey: string;
  /** Base URL of the Edge Functions server; a call to /functions/v1/<name> goes to `<url>/<name>`. */
  functionsUrl: string;
  /** Path of supabase/config.toml, read once at start for each function's verify_jwt. */
  functionsConfigPath: string;
  /** How long a REST request waits for the database; PostgREST's default is 10 seconds. */
  poolAcquisitionTimeoutMs?: number;
  /** How long a function may take to respond; Supabase's limit is 150 seconds. */
  functionsTimeoutMs?: number;
  /** Receives one JSON line per unexpected error. Defaults to standard error. */
  onLine?: (line: string) => void;
}

export interface SupabaseApi {
  url: string;
  close(): Promise<void>;
}

/** Starts the stand-in for Supabase's API gateway (see the file comment). */
export async function startSupabaseApi(options: SupabaseApiOptions): Promise<SupabaseApi> {
  const verifyJwtByFunction = await readVerifyJwtSettings(options.functionsConfigPath);
  const keys: ApiKeys = { anonKey: options.anonKey, serviceRoleKey: options.serviceRoleKey };
  const writeLine = options.onLine ?? ((line: string) => process.stderr.write(`${line}\n`));
  const context: RequestContext = {
    options,
    keys,
    functions: {
      functionsUrl: options.functionsUrl.replace(/\/+$/, ""),
      keys,
      verifyJwtByFunction,
      upstreamTimeoutMs: options.functionsTimeoutMs,
    },
    writeLine,
    testFaults: createApiTestFaults(),
  };

  const server = http.createServer((request, response) => {
    handleRequest(context, request, response).catch((error: unknown) => {
      reportUnexpectedError(context, request, response, error);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

interface RequestContext {
  options: SupabaseApiOptions;
  keys: ApiKeys;
  functions: FunctionsGatewayOptions;
  writeLine: (line: string) => void;
  /** TEST-ONLY: set when SUPABASE_API_TEST_FAULTS=on, see api-test-faults.ts. */
  testFaults: ApiTestFaults | undefined;
}

async function handleRequest(
  context: RequestContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = request.url ?? "/";
  if (await context.testFaults?.intercept(request, response)) {
    return;
  }
  if (url.startsWith(REST_PREFIX)) {
    await handleRestRequest(context, request, response, url.slice(REST_PREFIX.length));
    return;
  }
  if (url.startsWith(FUNCTIONS_PREFIX)) {
    const answer = await handleFunctionRequest(
      context.functions,
      request,
      url.slice(FUNCTIONS_PREFIX.length),
    );
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
    return;
  }
  // The body Supabase's gateway (Kong) sends for a path it has no route for.
  sendJson(response, 404, { message: "no Route matched with those values" });
}

async function handleRestRequest(
  context: RequestContext,
  request: IncomingMessage,
  response: ServerResponse,
  resourcePath: string,
): Promise<void> {
  try {
    const role = authenticate(context.keys, request);
    const { table, rawQuery } = splitResourcePath(resourcePath);
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.setHeader("Allow", "GET, HEAD");
      throw postgrestError(405, "PGRST117", `Unsupported HTTP method: ${request.method}`);
    }
    const plan = parseReadRequest(rawQuery);
    const waitTimeoutMs =
      context.options.poolAcquisitionTimeoutMs ?? DEFAULT_POOL_ACQUISITION_TIMEOUT_MS;
    const result = await runRead(context.options.db, { table, role, plan }, waitTimeoutMs);
    const contentRange = result.rowCount === 0 ? "*/*" : `0-${result.rowCount - 1}/*`;
    response.writeHead(200, { "Content-Type": JSON_CONTENT_TYPE, "Content-Range": contentRange });
    response.end(request.method === "HEAD" ? undefined : result.body);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    sendApiError(response, error);
  }
}

/**
 * Returns the role of the request, as Supabase decides it: the gateway requires a known `apikey`
 * header, then PostgREST takes the role from the Authorization bearer token if there is one,
 * else from the apikey.
 */
function authenticate(keys: ApiKeys, request: IncomingMessage): ApiRole {
  const apiKey = request.headers.apikey;
  const apiKeyRole = roleForApiKey(keys, typeof apiKey === "string" ? apiKey : undefined);
  if (apiKeyRole === undefined) {
    // This error comes from the gateway, not from PostgREST, so its body has no code field.
    const hint =
      apiKey === undefined
        ? "No `apikey` request header was found."
        : "Double check your Supabase `anon` or `service_role` API key.";
    throw new ApiError(401, { message: "Invalid API key", hint });
  }
  const authorization = request.headers.authorization;
  if (authorization === undefined) return apiKeyRole;
  const bearerRole = roleForApiKey(keys, readBearerToken(authorization));
  if (bearerRole === undefined) {
    throw postgrestError(401, "PGRST301", "JWSError JWSInvalidSignature");
  }
  return bearerRole;
}

/** Splits `<table>?<query>` and decodes the table name, which must be a single path segment. */
function splitResourcePath(resourcePath: string): { table: string; rawQuery: string } {
  const queryStart = resourcePath.indexOf("?");
  const rawPath = queryStart === -1 ? resourcePath : resourcePath.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? "" : resourcePath.slice(queryStart + 1);
  let table = "";
  try {
    table = decodeURIComponent(rawPath);
  } catch {
    // A malformed escape leaves the name empty, which is rejected below.
  }
  if (table === "" || table.includes("/")) {
    throw postgrestError(404, "PGRST125", "Invalid path specified in request URL");
  }
  return { table, rawQuery };
}

function sendApiError(response: ServerResponse, error: ApiError): void {
  // PostgREST names its own error codes in a Proxy-Status header as well.
  if ("code" in error.body && error.body.code.startsWith("PGRST")) {
    response.setHeader("Proxy-Status", `PostgREST; error=${error.body.code}`);
  }
  sendJson(response, error.status, error.body);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": JSON_CONTENT_TYPE });
  response.end(JSON.stringify(body));
}

function reportUnexpectedError(
  context: RequestContext,
  request: IncomingMessage,
  response: ServerResponse,
  error: unknown,
): void {
  // Only the path is logged: the query string may contain an instance token.
  const path = (request.url ?? "/").split("?", 1)[0];
  context.writeLine(
    JSON.stringify({
      level: "error",
      event: "supabase_api_unexpected_error",
      method: request.method,
      path,
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  if (response.headersSent) {
    response.destroy();
    return;
  }
  sendJson(response, 500, {
    code: "XX000",
    details: null,
    hint: null,
    message: "The local Supabase API stand-in failed unexpectedly; see its log.",
  });
}
