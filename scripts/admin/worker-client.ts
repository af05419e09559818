import type { PurgeBackend } from "./backend.ts";
import { tokenKey } from "./cache-key.ts";
import { ConfigError, PurgeError } from "./errors.ts";
import { type HttpRequest, type JsonResponse, requestJson, TransportError } from "./http.ts";
import { isRecord, isStringArray } from "./json-guards.ts";
import type { WorkerSettings } from "./settings.ts";
import { describeHashes, type PurgeTally } from "./tally.ts";

/** Maximum tokens in one POST /admin/cache/purge, the endpoint's own limit. */
export const WORKER_MAX_TOKENS_PER_REQUEST = 100;

/**
 * Maximum pages one --all run requests. At the endpoint's default of 500 keys a page that is five
 * million keys, far more than there are instances, so the bound only stops a runaway loop.
 */
export const WORKER_MAX_PAGES = 10_000;

const PURGE_PATH = "/admin/cache/purge";
const KEYS_PATH = "/admin/cache/keys";

/** One page of --all: the keys purged (a count) or listed (hashes), and the next cursor. */
interface Page {
  purged: number;
  hashes: string[];
  cursor: string | null;
}

/** Purges through the Worker's admin endpoints, authenticated with ADMIN_SECRET. */
export function createWorkerBackend(settings: WorkerSettings): PurgeBackend {
  const client = new WorkerClient(settings);
  return {
    via: "worker",
    target: `through the Worker at ${settings.gatewayUrl}`,
    purgeTokens: (tokens, tally) => client.purgeTokens(tokens, tally),
    purgeAll: (tally) =>
      client.forEachPage(
        (cursor) => client.purgePage(cursor),
        (page) => {
          tally.recordPurgedCount(page.purged);
          tally.progress(`Purging all keys: ${tally.purged} purged`);
        },
      ),
    listAll: (tally) =>
      client.forEachPage(
        (cursor) => client.listPage(cursor),
        (page) => {
          tally.recordListed(page.hashes);
          tally.progress(`Listing all keys: ${tally.keys.length} found`);
        },
      ),
  };
}

class WorkerClient {
  constructor(private readonly settings: WorkerSettings) {}

  /** Sends the tokens in chunks; a chunk the gateway fails counts as failed, and the rest go on. */
  async purgeTokens(tokens: readonly string[], tally: PurgeTally): Promise<void> {
    for (let start = 0; start < tokens.length; start += WORKER_MAX_TOKENS_PER_REQUEST) {
      const chunk = tokens.slice(start, start + WORKER_MAX_TOKENS_PER_REQUEST);
      const request = { method: "POST", json: { tokens: chunk } } as const;
      const response = await this.send(PURGE_PATH, request);
      const body = response.body;
      if (response.status === 200 && isRecord(body) && isStringArray(body.keys)) {
        tally.recordPurged(body.keys);
        continue;
      }
      const hashes = chunk.map((token) => tokenKey(token).hash);
      const problem = this.describeFailure(response, `POST ${PURGE_PATH}`);
      tally.recordFailed(chunk.length, `failed to purge ${describeHashes(hashes)}: ${problem}`);
    }
  }

  async purgePage(cursor: string | null): Promise<Page> {
    const response = await this.send(PURGE_PATH, { method: "POST", json: { all: true, cursor } });
    const body = response.body;
    if (response.status === 200 && isRecord(body) && typeof body.purged === "number") {
      const next = readCursor(body.cursor);
      if (next !== undefined) return { purged: body.purged, hashes: [], cursor: next };
    }
    throw new PurgeError(
      `purge of all keys stopped: ${this.describeFailure(response, `POST ${PURGE_PATH}`)}`,
    );
  }

  async listPage(cursor: string | null): Promise<Page> {
    const query = cursor === null ? "" : `?${new URLSearchParams({ cursor })}`;
    const response = await this.send(`${KEYS_PATH}${query}`, { method: "GET" });
    const body = response.body;
    if (response.status === 200 && isRecord(body) && isStringArray(body.keys)) {
      const next = readCursor(body.cursor);
      if (next !== undefined) return { purged: 0, hashes: body.keys, cursor: next };
    }
    throw new PurgeError(
      `listing of all keys stopped: ${this.describeFailure(response, `GET ${KEYS_PATH}`)}`,
    );
  }

  /** Requests pages until the cursor is null, at most WORKER_MAX_PAGES of them. */
  async forEachPage(
    requestPage: (cursor: string | null) => Promise<Page>,
    onPage: (page: Page) => void,
  ): Promise<void> {
    let cursor: string | null = null;
    for (let pageCount = 0; pageCount < WORKER_MAX_PAGES; pageCount += 1) {
      const page = await requestPage(cursor);
      onPage(page);
      if (page.cursor === null) return;
      if (page.cursor === cursor) {
        throw new PurgeError(
          `the gateway at ${this.settings.gatewayUrl} returned the same cursor twice; stopped`,
        );
      }
      cursor = page.cursor;
    }
    throw new PurgeError(
      `stopped after ${WORKER_MAX_PAGES} pages; run the command again for the rest`,
    );
  }

  private async send(path: string, request: Omit<HttpRequest, "headers">): Promise<JsonResponse> {
    const headers = { Authorization: `Bearer ${this.settings.adminSecret}` };
    try {
      return await requestJson(`${this.settings.gatewayUrl}${path}`, { ...request, headers });
    } catch (error) {
      if (error instanceof TransportError) throw this.unreachable(error);
      throw error;
    }
  }

  /** Describes a failed response, or throws ConfigError when only a settings change can help. */
  private describeFailure(response: JsonResponse, route: string): string {
    const { gatewayUrl } = this.settings;
    const error = readErrorBody(response.body);
    if (response.status === 401 || response.status === 403) {
      throw new ConfigError(
        `the gateway at ${gatewayUrl} rejected the admin secret (${response.status} ${error?.code ?? "without an error code"}); check that ADMIN_SECRET matches the Worker's ADMIN_SECRET secret`,
      );
    }
    if (error?.code === "admin_disabled") {
      throw new ConfigError(
        `the purge endpoint at ${gatewayUrl} is disabled because the Worker has no ADMIN_SECRET; set it with \`wrangler secret put ADMIN_SECRET\`, or purge with --via cloudflare`,
      );
    }
    if (error === undefined) {
      return `${route} at ${gatewayUrl} returned ${response.status} with an unexpected body; check that GATEWAY_URL is the gateway`;
    }
    const requestId = error.requestId === undefined ? "" : ` (request id ${error.requestId})`;
    return `${route} at ${gatewayUrl} returned ${response.status} ${error.code}: ${error.message}${requestId}`;
  }

  private unreachable(error: TransportError): PurgeError {
    const { gatewayUrl } = this.settings;
    const failure =
      error.kind === "timeout"
        ? `the gateway at ${gatewayUrl} timed out after ${error.detail}`
        : `could not reach the gateway at ${gatewayUrl} (${error.detail})`;
    return new PurgeError(
      `${failure}; start the local stack with \`npm start\`, set GATEWAY_URL to the deployed Worker, or purge through Cloudflare's API with --via cloudflare`,
    );
  }
}

/** Returns the next cursor, null on the last page, or undefined when the field is malformed. */
function readCursor(value: unknown): string | null | undefined {
  return typeof value === "string" || value === null ? value : undefined;
}

function readErrorBody(
  body: unknown,
): { code: string; message: string; requestId: string | undefined } | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { code, message } = body.error;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  const requestId = typeof body.requestId === "string" ? body.requestId : undefined;
  return { code, message, requestId };
}
