import { requireAdminSecret } from "../admin-auth";
import { MAX_PURGE_TOKENS, parsePurgeRequest } from "../purge-request";
import { readJsonBody } from "../request-body";
import type { ConfiguredRequest } from "../request-context";
import { purgeKeyPage, purgeTokens } from "../token-cache-purge";

/**
 * Largest accepted purge body in bytes. 100 tokens of 256 characters fit with room to spare:
 * JSON escapes only " and \ in a printable ASCII token, each as two characters, so a token
 * takes at most 515 bytes with its quotes and comma.
 */
export const MAX_PURGE_BODY_BYTES = 64 * 1024;

const PURGE_BODY = {
  maxBytes: MAX_PURGE_BODY_BYTES,
  expectedBody: `{"tokens": [...]} with 1 to ${MAX_PURGE_TOKENS} tokens, or {"all": true}`,
};

/**
 * POST /admin/cache/purge. Deletes cached token lookups from KV and from this isolate's memory
 * tier: the listed tokens, or one page of all keys. The admin secret is checked before the
 * body is read.
 */
export async function purgeCache(request: ConfiguredRequest): Promise<Response> {
  await requireAdminSecret(request);
  const { config, context } = request;
  const purge = parsePurgeRequest(await readJsonBody(request, PURGE_BODY));
  if (purge.mode === "tokens") {
    return Response.json(await purgeTokens(purge.tokens, config.tokenCache, context.log));
  }
  return Response.json(await purgeKeyPage(purge.page, config.tokenCache, context.log));
}
