import { requireAdminSecret } from "../admin-auth";
import { parseKeyPageQuery } from "../purge-request";
import type { ConfiguredRequest } from "../request-context";
import { listTokenCacheKeys } from "../token-cache-purge";

/**
 * GET /admin/cache/keys?cursor=&limit=. Lists one page of cached token keys, each as the first
 * 8 hex characters of its token digest, as a dry run of a purge of all keys.
 */
export async function listCacheKeys(request: ConfiguredRequest): Promise<Response> {
  await requireAdminSecret(request);
  const { config, context } = request;
  const page = parseKeyPageQuery(new URL(request.url).searchParams);
  return Response.json(await listTokenCacheKeys(page, config.tokenCache, context.log));
}
