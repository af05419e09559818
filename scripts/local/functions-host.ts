/**
 * Local Edge Functions host (Deno). Serves each function of supabase/functions at
 * http://127.0.0.1:${EDGE_FUNCTIONS_PORT}/<name>, the way the Supabase edge runtime would.
 *
 * Every function reads its settings from this process's environment when the host starts, so a
 * missing variable stops the host with an error that names it.
 *
 * Run: deno run --allow-net=127.0.0.1 --allow-env scripts/local/functions-host.ts
 */
import { FunctionError } from "../../supabase/functions/_shared/errors.ts";
import { errorResponse, resolveRequestId } from "../../supabase/functions/_shared/http.ts";
import { loadSendTextConfig } from "../../supabase/functions/send-text/config.ts";
import { createSendTextHandler } from "../../supabase/functions/send-text/handler.ts";

type FunctionHandler = (request: Request) => Promise<Response>;

const DEFAULT_PORT = 54326;
const DEFAULT_HOSTNAME = "127.0.0.1";

/** Creates every function's handler. To serve a new function, add one entry here. */
function createFunctionHandlers(): Record<string, FunctionHandler> {
  return {
    "send-text": createSendTextHandler(loadSendTextConfig()),
  };
}

/** Routes /<name> and /<name>/... to the function called <name>, else returns 404. */
function createRouter(handlers: Record<string, FunctionHandler>): FunctionHandler {
  return async function routeFunctionRequest(request) {
    const name = new URL(request.url).pathname.split("/")[1] ?? "";
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (handler === undefined) {
      const error = new FunctionError("not_found", `No function is named "${name}" on this host.`);
      return errorResponse(error, resolveRequestId(request));
    }
    return await handler(request);
  };
}

function readPort(): number {
  const value = Deno.env.get("EDGE_FUNCTIONS_PORT") ?? String(DEFAULT_PORT);
  const port = Number(value);
  if (!/^\d{1,5}$/.test(value) || port > 65_535) {
    throw new Error(
      `Invalid environment variable EDGE_FUNCTIONS_PORT: expected a port number, got "${value}".`,
    );
  }
  return port;
}

function main(): void {
  let handlers: Record<string, FunctionHandler>;
  try {
    handlers = createFunctionHandlers();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(
      JSON.stringify({ level: "error", event: "functions_host.start_failed", message }),
    );
    Deno.exit(1);
  }
  const hostname = Deno.env.get("EDGE_FUNCTIONS_HOSTNAME") ?? DEFAULT_HOSTNAME;
  Deno.serve(
    {
      hostname,
      port: readPort(),
      onListen: ({ port }) => {
        const line = {
          level: "info",
          event: "functions_host.listening",
          url: `http://${hostname}:${port}`,
          functions: Object.keys(handlers),
        };
        console.log(JSON.stringify(line));
      },
    },
    createRouter(handlers),
  );
}

main();
