import { loadSendTextConfig } from "./config.ts";
import { createSendTextHandler } from "./handler.ts";

Deno.serve(createSendTextHandler(loadSendTextConfig()));
