import { FunctionError } from "../_shared/errors.ts";
import { readTextPrefix } from "../_shared/http.ts";

/** Maximum number of bytes read from the Worker's response. The rest is discarded. */
const MAX_PURGE_RESPONSE_BYTES = 16 * 1024;

/** Pattern of this project's error codes, so only a code and no other text reaches the log. */
const ERROR_CODE_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

export interface PurgeRequest {
  /** Base URL of the gateway Worker without a trailing slash. */
  gatewayUrl: string;
  adminSecret: string;
  tokens: string[];
  requestId: string;
  /** Time limit of the whole request, including the response body. */
  timeoutMs: number;
  fetch: typeof fetch;
}

/** The Worker's successful purge response. */
export interface PurgeResult {
  /** Number of distinct cache keys the Worker deleted. */
  purged: number;
  /** HTTP status of the Worker's response. */
  status: number;
}

interface WorkerResponse {
  status: number;
  body: unknown;
}

/**
 * Deletes the tokens' cache entries through the Worker's POST /admin/cache/purge. Raises 502
 * purge_failed when the Worker cannot be reached, times out or responds with anything but a 2xx
 * purge count. Sending the same tokens twice is harmless because the purge is idempotent.
 */
export async function purgeTokens(request: PurgeRequest): Promise<PurgeResult> {
  const workerResponse = await postPurge(request);
  if (workerResponse.status === 401) {
    throw purgeFailed(
      "The gateway rejected the admin secret. Check that ADMIN_SECRET matches the Worker's ADMIN_SECRET.",
      describeWorkerResponse(workerResponse),
    );
  }
  if (workerResponse.status < 200 || workerResponse.status > 299) {
    throw purgeFailed(
      `The gateway's cache purge failed with HTTP ${workerResponse.status}.`,
      describeWorkerResponse(workerResponse),
    );
  }
  const purged = readPurgedCount(workerResponse.body);
  if (purged === undefined) {
    throw purgeFailed(
      "The gateway returned no purge count for the cache purge.",
      describeWorkerResponse(workerResponse),
    );
  }
  return { purged, status: workerResponse.status };
}

async function postPurge(request: PurgeRequest): Promise<WorkerResponse> {
  const signal = AbortSignal.timeout(request.timeoutMs);
  try {
    const response = await request.fetch(`${request.gatewayUrl}/admin/cache/purge`, {
      method: "POST",
      headers: {
        Accept: "application/json",
        Authorization: `Bearer ${request.adminSecret}`,
        "Content-Type": "application/json",
        "X-Request-ID": request.requestId,
      },
      body: JSON.stringify({ tokens: request.tokens }),
      // The admin secret travels in Authorization, so a redirect is reported, never followed.
      redirect: "manual",
      signal,
    });
    const text = await readTextPrefix(response, MAX_PURGE_RESPONSE_BYTES);
    return { status: response.status, body: parseJson(text) };
  } catch (error) {
    // The signal also aborts the body read, so a slow body counts as a timeout as well.
    if (signal.aborted) {
      throw purgeFailed(
        `The gateway's cache purge timed out after ${request.timeoutMs} ms.`,
        error,
      );
    }
    throw purgeFailed(
      "The gateway could not be reached for the cache purge. Check GATEWAY_URL.",
      error,
    );
  }
}

function readPurgedCount(body: unknown): number | undefined {
  if (typeof body !== "object" || body === null) {
    return undefined;
  }
  const purged = (body as Record<string, unknown>).purged;
  return Number.isSafeInteger(purged) && (purged as number) >= 0 ? (purged as number) : undefined;
}

/** Describes the Worker's response for the log: its status and, if present, its error code. */
function describeWorkerResponse(workerResponse: WorkerResponse): Error {
  const error = (workerResponse.body as { error?: { code?: unknown } } | null)?.error;
  const code = typeof error?.code === "string" ? error.code : "";
  const suffix = ERROR_CODE_PATTERN.test(code) ? ` with error code ${code}` : "";
  return new Error(`The gateway returned HTTP ${workerResponse.status}${suffix}.`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function purgeFailed(message: string, cause: unknown): FunctionError {
  return new FunctionError("purge_failed", message, { cause });
}
