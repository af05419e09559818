import { readBoundedText } from "./http.ts";

const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface PostgrestClientOptions {
  /** Project URL without a trailing slash, for example "http://127.0.0.1:54321". */
  baseUrl: string;
  /** Key sent as both `apikey` and the bearer token; it selects the database role. */
  apiKey: string;
  timeoutMs: number;
  fetch: typeof fetch;
}

/** Kind of PostgREST failure. */
export type PostgrestFailure = "timeout" | "network" | "status" | "invalid_response";

/** A failed PostgREST request. `status` is set when an HTTP response arrived. */
export class PostgrestError extends Error {
  override name = "PostgrestError";

  constructor(
    readonly failure: PostgrestFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface PostgrestClient {
  /** Runs GET /rest/v1/<table>?<query> and returns the rows of the JSON array response. */
  select(table: string, query: Record<string, string>): Promise<unknown[]>;
}

/** Creates a minimal read-only PostgREST client with a per-request timeout. */
export function createPostgrestClient(options: PostgrestClientOptions): PostgrestClient {
  return {
    async select(table, query) {
      // URLSearchParams percent-encodes every value, so no caller input is spliced into the URL.
      const search = new URLSearchParams(query).toString();
      const url = `${options.baseUrl}/rest/v1/${encodeURIComponent(table)}?${search}`;
      const response = await fetchWithTimeout(url, options);
      return await readRows(response, options.timeoutMs);
    },
  };
}

async function fetchWithTimeout(url: string, options: PostgrestClientOptions): Promise<Response> {
  try {
    return await options.fetch(url, {
      method: "GET",
      headers: {
        Accept: "application/json",
        apikey: options.apiKey,
        Authorization: `Bearer ${options.apiKey}`,
      },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw toPostgrestError(error, options.timeoutMs);
  }
}

async function readRows(response: Response, timeoutMs: number): Promise<unknown[]> {
  let text: string;
  try {
    text = await readBoundedText(response, MAX_RESPONSE_BYTES);
  } catch (error) {
    throw toPostgrestError(error, timeoutMs);
  }
  if (!response.ok) {
    throw new PostgrestError(
      "status",
      `PostgREST returned HTTP ${response.status}.`,
      response.status,
    );
  }
  const rows = parseJson(text);
  if (!Array.isArray(rows)) {
    throw new PostgrestError("invalid_response", "PostgREST returned JSON that is not an array.");
  }
  return rows;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PostgrestError("invalid_response", "PostgREST returned invalid JSON.");
  }
}

function toPostgrestError(error: unknown, timeoutMs: number): PostgrestError {
  if (error instanceof PostgrestError) {
    return error;
  }
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return new PostgrestError("timeout", `PostgREST request timed out after ${timeoutMs} ms.`);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new PostgrestError("network", `PostgREST request failed: ${reason}`);
}
