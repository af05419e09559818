import { Router } from "itty-router";
import type { Env } from "./env";
import { handleError } from "./error-handler";
import { withHeaderLimit } from "./header-limit";
import { OPENAPI_DOCUMENT_PATH } from "./openapi-paths";
import { type GatewayRequest, withConfig, withRequestContext } from "./request-context";
import { finishResponse } from "./response-finisher";
import { listCacheKeys } from "./routes/cache-keys";
import { purgeCache } from "./routes/cache-purge";
import { createFallbackRoute } from "./routes/fallback";
import { health } from "./routes/health";
import { serveOpenApiDocument } from "./routes/openapi";
import { sendText } from "./routes/send-text";

const router = Router<GatewayRequest, [Env, ExecutionContext]>({
  before: [withRequestContext, withHeaderLimit, withConfig],
  catch: handleError,
  finally: [finishResponse],
});

router
  .get("/health", health)
  // Uptime monitors often probe with HEAD. The runtime sends the GET response without its body.
  .head("/health", health)
  .get(OPENAPI_DOCUMENT_PATH, serveOpenApiDocument)
  .post("/whatsapp/send-text", sendText)
  .post("/admin/cache/purge", purgeCache)
  .get("/admin/cache/keys", listCacheKeys)
  .all("*", createFallbackRoute(router.routes));

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => router.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
