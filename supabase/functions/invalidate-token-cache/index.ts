import { loadInvalidateTokenCacheConfig } from "./config.ts";
import { createInvalidateTokenCacheHandler } from "./handler.ts";

Deno.serve(createInvalidateTokenCacheHandler(loadInvalidateTokenCacheConfig()));
