import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { DEFAULT_VERIFY_JWT } from "./postgrest-functions-config.ts";
import { type ApiKeys, readBearerToken, roleForApiKey } from "./postgrest-keys.ts";

/**
 * Largest request body passed on to a function. By estimate a send-text body stays under 400 KiB:
 * 65,536 characters of text at most 6 bytes each once JSON-escaped.
 */
export const MAX_FUNCTION_REQUEST_BYTES = 1024 * 1024;
/** Largest function response passed back to the client. */
export const MAX_FUNCTION_RESPONSE_BYTES = 1024 * 1024;
/** Supabase's request idle timeout: 504 when a function sends no response within 150 seconds. */
export const FUNCTION_UPSTREAM_TIMEOUT_MS = 150_000;

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,128}$/;

// Headers that describe one connection rather than the message, so a proxy must not forward
// them (RFC 9110, section 7.6.1). Host and Content-Length are set anew for each hop.
const HOP_BY_HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "host",
  "content-length",
]);

export interface FunctionsGatewayOptions {
  /** Base URL of the server that runs the functions; `/<name>` is appended. */
  functionsUrl: string;
  keys: ApiKeys;
  verifyJwtByFunction: Map<string, boolean>;
  upstreamTimeoutMs?: number;
}

/** A complete HTTP response, from the function or from the gateway itself. */
export interface ProxyResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * Handles `/functions/v1/<name>[/<path>]` like Supabase's API gateway: applies the platform's
 * JWT check for the function, then forwards method, headers and body to
 * `<functionsUrl>/<name>[/<path>]` and returns the function's status, headers and body.
 * `functionPath` is the part of the request URL after `/functions/v1/`, query string included,
 * still percent-encoded. Gateway errors use the JSON bodies of Supabase's gateway.
 */
export async function handleFunctionRequest(
  options: FunctionsGatewayOptions,
  request: IncomingMessage,
  functionPath: string,
): Promise<ProxyResponse> {
  const name = functionPath.split(/[/?]/, 1)[0] ?? "";
  if (!FUNCTION_NAME.test(name)) {
    return gatewayAnswer(404, { code: "NOT_FOUND", message: "Requested function was not found" });
  }
  const rejection = checkJwt(options, request, name);
  if (rejection) return rejection;

  const body = await readBody(request, MAX_FUNCTION_REQUEST_BYTES);
  if (body === undefined) {
    return gatewayAnswer(413, { message: "Request size limit exceeded" }, { connection: "close" });
  }
  return await callFunction(options, request, `${options.functionsUrl}/${functionPath}`, body);
}

/**
 * Emulates the platform's `verify_jwt` check: the Authorization header must carry one of the
 * project's API keys. As in the Supabase CLI's function server, CORS preflight requests
 * (OPTIONS) skip the check.
 */
function checkJwt(
  options: FunctionsGatewayOptions,
  request: IncomingMessage,
  name: string,
): ProxyResponse | undefined {
  const verifyJwt = options.verifyJwtByFunction.get(name) ?? DEFAULT_VERIFY_JWT;
  if (!verifyJwt || request.method === "OPTIONS") return undefined;
  if (request.headers.authorization === undefined) {
    return gatewayAnswer(401, { code: 401, message: "Missing authorization header" });
  }
  const token = readBearerToken(request.headers.authorization);
  if (roleForApiKey(options.keys, token) === undefined) {
    return gatewayAnswer(401, { code: 401, message: "Invalid JWT" });
  }
  return undefined;
}

/**
 * Reads a whole message body, or returns undefined once it exceeds `maxBytes`. The message is
 * then paused, not destroyed, so that the caller can still send a response on the connection.
 */
export function readBody(message: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(message.headers["content-length"] ?? 0) > maxBytes) {
      message.pause();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      message.off("data", onData);
      message.pause();
      resolve(undefined);
    };
    message.on("data", onData);
    message.on("end", () => resolve(Buffer.concat(chunks)));
    message.on("error", reject);
  });
}

async function callFunction(
  options: FunctionsGatewayOptions,
  request: IncomingMessage,
  url: string,
  body: Buffer,
): Promise<ProxyResponse> {
  const signal = AbortSignal.timeout(options.upstreamTimeoutMs ?? FUNCTION_UPSTREAM_TIMEOUT_MS);
  const headers = forwardableHeaders(request.headers);
  try {
    return await sendUpstream(url, request.method ?? "GET", headers, body, signal);
  } catch {
    // The messages are those of Supabase's gateway (Kong) for the same failures.
    if (signal.aborted) {
      return gatewayAnswer(504, { message: "The upstream server is timing out" });
    }
    return gatewayAnswer(502, {
      message: "An invalid response was received from the upstream server",
    });
  }
}

function sendUpstream(
  url: string,
  method: string,
  headers: Record<string, string | string[]>,
  body: Buffer,
  signal: AbortSignal,
): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const upstreamRequest = http.request(url, { method, headers, signal }, (upstreamResponse) => {
      readBody(upstreamResponse, MAX_FUNCTION_RESPONSE_BYTES).then((responseBody) => {
        if (responseBody === undefined) {
          upstreamResponse.destroy();
          reject(new Error(`Function response exceeds ${MAX_FUNCTION_RESPONSE_BYTES} bytes`));
          return;
        }
        resolve({
          status: upstreamResponse.statusCode ?? 502,
          headers: forwardableHeaders(upstreamResponse.headers),
          body: responseBody,
        });
      }, reject);
    });
    upstreamRequest.on("error", reject);
    upstreamRequest.end(body);
  });
}

function forwardableHeaders(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const forwarded: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name)) continue;
    forwarded[name] = value;
  }
  return forwarded;
}

function gatewayAnswer(
  status: number,
  body: Record<string, unknown>,
  extraHeaders: Record<string, string> = {},
): ProxyResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...extraHeaders },
    body: Buffer.from(JSON.stringify(body)),
  };
}
