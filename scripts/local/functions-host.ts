/**
 * Local Edge Functions host (Deno). Serves each function of supabase/functions at
 * http://127.0.0.1:${EDGE_FUNCTIONS_PORT}/<name>, the way the Supabase edge runtime would.
 *
 * Every function reads its settings from this process's environment when the host starts, so a
 * missing variable stops the host with one error line per affected function, naming the function
 * and the variable.
 *
 * Run: deno run --allow-net=127.0.0.1 --allow-env scripts/local/functions-host.ts
 */
import { EnvError } from "../../supabase/functions/_shared/env.ts";
import { FunctionError } from "../../supabase/functions/_shared/errors.ts";
import { errorResponse, resolveRequestId } from "../../supabase/functions/_shared/http.ts";
import { loadInvalidateTokenCacheConfig } from "../../supabase/functions/invalidate-token-cache/config.ts";
import { createInvalidateTokenCacheHandler } from "../../supabase/functions/invalidate-token-cache/handler.ts";
import { loadSendTextConfig } from "../../supabase/functions/send-text/config.ts";
import { createSendTextHandler } from "../../supabase/functions/send-text/handler.ts";

type FunctionHandler = (request: Request) => Promise<Response>;

const DEFAULT_PORT = 54326;
const DEFAULT_HOSTNAME = "127.0.0.1";

/**
 * Factories of the served functions, keyed by function name. Each reads its settings when it is
 * called. To serve a new function, add one entry here.
 */
const FUNCTION_FACTORIES: Record<string, () => FunctionHandler> = {
  "send-text": () => createSendTextHandler(loadSendTextConfig()),
  "invalidate-token-cache": () =>
    createInvalidateTokenCacheHandler(loadInvalidateTokenCacheConfig()),
};

/** A function whose settings are missing or invalid. */
interface StartFailure {
  functionName: string;
  /** The environment variable at fault, when the function named one. */
  variable: string | undefined;
  message: string;
}

/**
 * Creates every function's handler. Every function is tried, so one start reports the first
 * missing variable of each function instead of only the first function's.
 */
function createFunctionHandlers(): {
  handlers: Record<string, FunctionHandler>;
  failures: StartFailure[];
} {
  const handlers: Record<string, FunctionHandler> = {};
  const failures: StartFailure[] = [];
  for (const [functionName, createHandler] of Object.entries(FUNCTION_FACTORIES)) {
    try {
      handlers[functionName] = createHandler();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failures.push({
        functionName,
        variable: error instanceof EnvError ? error.variable : undefined,
        message: `Function ${functionName} cannot start: ${reason}`,
      });
    }
  }
  return { handlers, failures };
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
  const { handlers, failures } = createFunctionHandlers();
  if (failures.length > 0) {
    for (const failure of failures) {
      const line = {
        level: "error",
        event: "functions_host.start_failed",
        function: failure.functionName,
        variable: failure.variable,
        message: failure.message,
      };
      console.error(JSON.stringify(line));
    }
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
