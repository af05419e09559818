import { headerMatchesSecret } from "../_shared/constant-time.ts";
import { FunctionError, toFunctionError } from "../_shared/errors.ts";
import { hashTokenForLog } from "../_shared/hash.ts";
import {
  errorResponse,
  jsonResponse,
  readJsonBody,
  requireMethod,
  resolveRequestId,
} from "../_shared/http.ts";
import { jsonLineLogger, type LogFields, type Logger, logFunctionFailure } from "../_shared/log.ts";
import type { InvalidateTokenCacheConfig } from "./config.ts";
import { readInstanceChange } from "./payload.ts";
import { purgeTokens } from "./purge-client.ts";

/**
 * Largest accepted body. A webhook payload carries two whole whatsapp_instances rows, a few
 * hundred bytes each with the seed's values, and provider_token has no length limit.
 */
export const MAX_BODY_BYTES = 256 * 1024;

const UNEXPECTED_FAILURE_MESSAGE = "The invalidate-token-cache function failed unexpectedly.";

/** Replaceable collaborators; tests pass their own. */
export interface InvalidateTokenCacheDependencies {
  /** Used for the purge request. Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Defaults to one JSON line per event on stdout and stderr. */
  logger?: Logger;
}

interface InvalidateContext {
  config: InvalidateTokenCacheConfig;
  fetch: typeof fetch;
  requestId: string;
  /** Fields that each log line of this request carries; filled in as the request is checked. */
  logFields: LogFields;
}

/**
 * Creates the handler of POST /invalidate-token-cache, which a database webhook calls after a
 * whatsapp_instances row changes, so the Worker stops serving the row's cached lookup.
 */
export function createInvalidateTokenCacheHandler(
  config: InvalidateTokenCacheConfig,
  dependencies: InvalidateTokenCacheDependencies = {},
): (request: Request) => Promise<Response> {
  const fetchFunction = dependencies.fetch ?? ((input, init) => fetch(input, init));
  const logger = dependencies.logger ?? jsonLineLogger;

  return async function handleInvalidateTokenCache(request: Request): Promise<Response> {
    const requestId = resolveRequestId(request);
    const startedAt = performance.now();
    const context: InvalidateContext = { config, fetch: fetchFunction, requestId, logFields: {} };
    try {
      const purged = await invalidateTokenCache(request, context);
      logger("info", "invalidate_token_cache.purged", requestId, {
        ...context.logFields,
        purged,
        durationMs: elapsedMs(startedAt),
      });
      return jsonResponse(200, { purged, requestId }, requestId);
    } catch (error) {
      const failure = toFunctionError(error, UNEXPECTED_FAILURE_MESSAGE);
      logFunctionFailure(logger, "invalidate_token_cache.failed", requestId, failure, {
        ...context.logFields,
        durationMs: elapsedMs(startedAt),
      });
      return errorResponse(failure, requestId);
    }
  };
}

async function invalidateTokenCache(request: Request, context: InvalidateContext): Promise<number> {
  requireMethod(request, ["POST"]);
  const secretMatches = await headerMatchesSecret(
    request.headers,
    "X-Webhook-Secret",
    context.config.webhookSecret,
  );
  if (!secretMatches) {
    throw new FunctionError(
      "invalid_webhook_secret",
      "The X-Webhook-Secret header is missing or wrong.",
    );
  }
  const change = readInstanceChange(await readJsonBody(request, MAX_BODY_BYTES, "invalid_payload"));
  const tokenHashes = await Promise.all(change.tokens.map(hashTokenForLog));
  context.logFields.eventType = change.type;
  context.logFields.tokenCount = change.tokens.length;
  context.logFields.tokenHashes = tokenHashes.join(",");

  const result = await purgeTokens({
    gatewayUrl: context.config.gatewayUrl,
    adminSecret: context.config.adminSecret,
    tokens: change.tokens,
    requestId: context.requestId,
    timeoutMs: context.config.purgeTimeoutMs,
    fetch: context.fetch,
  });
  context.logFields.gatewayStatus = result.status;
  return result.purged;
}

function elapsedMs(startedAt: number): number {
  return Math.round(performance.now() - startedAt);
}
