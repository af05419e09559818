import type { PurgeBackend } from "./backend.ts";
import { hashOfKeyName, TOKEN_CACHE_KEY_PREFIX, type TokenKey, tokenKey } from "./cache-key.ts";
import { ConfigError, PurgeError } from "./errors.ts";
import { type HttpRequest, requestJson, TransportError } from "./http.ts";
import { isRecord, isStringArray } from "./json-guards.ts";
import type { CloudflareSettings } from "./settings.ts";
import { describeHashes, type PurgeTally } from "./tally.ts";

/** Maximum keys one list call returns, which is also the API's default. */
export const CLOUDFLARE_LIST_LIMIT = 1_000;
/** Maximum key names one bulk delete accepts. */
export const CLOUDFLARE_BULK_DELETE_MAX_KEYS = 10_000;
/** Maximum list calls in one run (100 million keys), so that a runaway loop stops. */
export const CLOUDFLARE_MAX_LIST_PAGES = 100_000;
/** Cloudflare's error code for a missing, malformed or invalid API token. */
const AUTHENTICATION_ERROR_CODE = 10000;

/** A successful call's `result` and `result_info`, from the `{success, errors, messages, result}` envelope. */
interface ApiSuccess {
  ok: true;
  result: unknown;
  resultInfo: Record<string, unknown>;
}

interface ApiProblem {
  ok: false;
  status: number;
  errors: Array<{ code: number | string; message: string }>;
}

interface ListedPage {
  names: string[];
  cursor: string | null;
}

/** Purges through Cloudflare's KV REST API: list calls and bulk deletes on one namespace. */
export function createCloudflareBackend(
  settings: CloudflareSettings,
  namespaceId: string,
): PurgeBackend {
  const client = new CloudflareKvClient(settings, namespaceId);
  return {
    via: "cloudflare",
    target: `from KV namespace ${namespaceId} through Cloudflare's API`,
    purgeTokens: (tokens, tally) => client.purgeTokens(tokens, tally),
    purgeAll: (tally) => client.purgeAll(tally),
    listAll: (tally) => client.listAll(tally),
  };
}

class CloudflareKvClient {
  private readonly namespaceUrl: string;

  constructor(
    private readonly settings: CloudflareSettings,
    private readonly namespaceId: string,
  ) {
    const account = encodeURIComponent(settings.accountId);
    const namespace = encodeURIComponent(namespaceId);
    this.namespaceUrl = `${settings.apiBaseUrl}/accounts/${account}/storage/kv/namespaces/${namespace}`;
  }

  async purgeTokens(tokens: readonly string[], tally: PurgeTally): Promise<void> {
    const keys = tokens.map(tokenKey);
    for (let start = 0; start < keys.length; start += CLOUDFLARE_BULK_DELETE_MAX_KEYS) {
      const chunk = keys.slice(start, start + CLOUDFLARE_BULK_DELETE_MAX_KEYS);
      await this.deleteKeys(chunk, tally);
    }
  }

  /** Deletes keys while listing them, in bulk deletes of up to 10,000 keys. */
  async purgeAll(tally: PurgeTally): Promise<void> {
    const pending: TokenKey[] = [];
    let listed = 0;
    for await (const names of this.listPages()) {
      listed += names.length;
      for (const name of names) pending.push({ name, hash: hashOfKeyName(name) });
      while (pending.length >= CLOUDFLARE_BULK_DELETE_MAX_KEYS) {
        await this.deleteAllOrStop(pending.splice(0, CLOUDFLARE_BULK_DELETE_MAX_KEYS), tally);
      }
      tally.progress(`Purging all keys: ${listed} listed, ${tally.purged} purged`);
    }
    if (pending.length > 0) await this.deleteAllOrStop(pending, tally);
    tally.progress(`Purging all keys: ${listed} listed, ${tally.purged} purged`);
  }

  async listAll(tally: PurgeTally): Promise<void> {
    for await (const names of this.listPages()) {
      tally.recordListed(names.map(hashOfKeyName));
      tally.progress(`Listing all keys: ${tally.keys.length} found`);
    }
  }

  /**
   * Yields the key names under the prefix, one page at a time. Deleting listed keys between
   * pages is safe because a cursor marks a position in key order.
   */
  private async *listPages(): AsyncGenerator<string[]> {
    let cursor: string | null = null;
    for (let pageCount = 0; pageCount < CLOUDFLARE_MAX_LIST_PAGES; pageCount += 1) {
      const page = await this.listPage(cursor);
      yield page.names;
      if (page.cursor === null) return;
      if (page.cursor === cursor) {
        throw new PurgeError("Cloudflare's API returned the same cursor twice; stopped");
      }
      cursor = page.cursor;
    }
    throw new PurgeError(
      `stopped after ${CLOUDFLARE_MAX_LIST_PAGES} list calls; run the command again for the rest`,
    );
  }

  private async listPage(cursor: string | null): Promise<ListedPage> {
    const query = new URLSearchParams({
      prefix: TOKEN_CACHE_KEY_PREFIX,
      limit: String(CLOUDFLARE_LIST_LIMIT),
    });
    if (cursor !== null) query.set("cursor", cursor);
    const response = await this.call(`/keys?${query}`, { method: "GET", headers: {} });
    if (!response.ok) {
      throw new PurgeError(`listing keys stopped: ${this.describe(response, "GET /keys")}`);
    }
    const { result, resultInfo } = response;
    const names = Array.isArray(result)
      ? result.flatMap((key) => (isRecord(key) && typeof key.name === "string" ? [key.name] : []))
      : [];
    // The API marks the last page with an empty cursor.
    const next = resultInfo.cursor;
    return { names, cursor: typeof next === "string" && next !== "" ? next : null };
  }

  private async deleteAllOrStop(keys: TokenKey[], tally: PurgeTally): Promise<void> {
    if (!(await this.deleteKeys(keys, tally))) {
      throw new PurgeError("purge of all keys stopped after a failed bulk delete; run it again");
    }
  }

  /**
   * Deletes up to 10,000 keys in one call. Returns false when the call failed; keys that the
   * API lists in `unsuccessful_keys` are recorded as failed, but the call counts as done.
   */
  private async deleteKeys(keys: TokenKey[], tally: PurgeTally): Promise<boolean> {
    const names = keys.map((key) => key.name);
    const response = await this.call("/bulk/delete", { method: "POST", headers: {}, json: names });
    if (!response.ok) {
      const problem = this.describe(response, "POST /bulk/delete");
      const hashes = describeHashes(keys.map((key) => key.hash));
      tally.recordFailed(keys.length, `failed to purge ${hashes}: ${problem}`);
      return false;
    }
    const unsuccessful = new Set(readUnsuccessfulKeys(response.result));
    const failed = keys.filter((key) => unsuccessful.has(key.name));
    tally.recordPurged(keys.filter((key) => !unsuccessful.has(key.name)).map((key) => key.hash));
    if (failed.length > 0) {
      const hashes = describeHashes(failed.map((key) => key.hash));
      tally.recordFailed(failed.length, `Cloudflare could not delete ${hashes}; purge them again`);
    }
    return true;
  }

  private async call(path: string, request: HttpRequest): Promise<ApiSuccess | ApiProblem> {
    const headers = { ...request.headers, Authorization: `Bearer ${this.settings.apiToken}` };
    let response: { status: number; body: unknown };
    try {
      response = await requestJson(`${this.namespaceUrl}${path}`, { ...request, headers });
    } catch (error) {
      if (error instanceof TransportError) throw this.unreachable(error);
      throw error;
    }
    const body = isRecord(response.body) ? response.body : {};
    if (response.status >= 200 && response.status < 300 && body.success === true) {
      return {
        ok: true,
        result: body.result,
        resultInfo: isRecord(body.result_info) ? body.result_info : {},
      };
    }
    return { ok: false, status: response.status, errors: readEnvelopeErrors(body.errors) };
  }

  /** Describes a failed call, or throws ConfigError when only a settings change can help. */
  private describe(problem: ApiProblem, route: string): string {
    const errors =
      problem.errors.length === 0
        ? "no error in the envelope"
        : problem.errors.map((error) => `${error.code} ${error.message}`).join("; ");
    const { accountId } = this.settings;
    const authenticationFailed = problem.errors.some(
      (error) => error.code === AUTHENTICATION_ERROR_CODE,
    );
    if (problem.status === 401 || problem.status === 403 || authenticationFailed) {
      throw new ConfigError(
        `Cloudflare's API rejected CLOUDFLARE_API_TOKEN (${problem.status}: ${errors}); check the token and that it has the Workers KV Storage Write permission on account ${accountId}`,
      );
    }
    if (problem.status === 404) {
      throw new ConfigError(
        `Cloudflare's API found no KV namespace ${this.namespaceId} in account ${accountId} (404: ${errors}); check CLOUDFLARE_ACCOUNT_ID and the TOKEN_CACHE id in wrangler.toml`,
      );
    }
    return `${route} returned ${problem.status}: ${errors}`;
  }

  private unreachable(error: TransportError): PurgeError {
    const base = this.settings.apiBaseUrl;
    const failure =
      error.kind === "timeout"
        ? `Cloudflare's API at ${base} timed out after ${error.detail}`
        : `could not reach Cloudflare's API at ${base} (${error.detail})`;
    return new PurgeError(`${failure}; check the network, or CLOUDFLARE_API_BASE_URL if it is set`);
  }
}

function readUnsuccessfulKeys(result: unknown): string[] {
  return isRecord(result) && isStringArray(result.unsuccessful_keys)
    ? result.unsuccessful_keys
    : [];
}

function readEnvelopeErrors(value: unknown): ApiProblem["errors"] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((error) => {
    if (!isRecord(error)) return [];
    const code =
      typeof error.code === "number" || typeof error.code === "string" ? error.code : "?";
    const message = typeof error.message === "string" ? error.message : "";
    return [{ code, message }];
  });
}
