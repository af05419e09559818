import type { IRequestStrict } from "itty-router";
import { type Env, type GatewayConfig, loadConfig } from "./env";
import { createLogger, type LogFields, type Logger } from "./logger";
import { resolveRequestId } from "./request-id";
import { ServerTiming } from "./server-timing";

/** Per-request state that the middleware sets up and the routes add to. */
export interface RequestContext {
  requestId: string;
  log: Logger;
  startedAt: number;
  /** Fields added to the request_completed line, such as tokenHash and instanceId. */
  completionFields: LogFields;
  /** Phases reported in the Server-Timing header. */
  timing: ServerTiming;
}

export type GatewayRequest = IRequestStrict & { context: RequestContext };

/** A request that passed `withConfig`; routes that talk to Supabase take this type. */
export type ConfiguredRequest = GatewayRequest & { config: GatewayConfig };

export function createRequestContext(requestId: string): RequestContext {
  return {
    requestId,
    log: createLogger(requestId),
    startedAt: Date.now(),
    completionFields: {},
    timing: new ServerTiming(),
  };
}

/** Middleware: gives the request its id and logger. It runs first so every response has an id. */
export function withRequestContext(request: GatewayRequest): void {
  request.context = createRequestContext(resolveRequestId(request.headers));
}

/**
 * Middleware: attaches the validated configuration. It runs for every route, so a deployment
 * without its secrets fails loudly on /health too.
 */
export function withConfig(request: GatewayRequest, env: Env): void {
  (request as ConfiguredRequest).config = loadConfig(env, request.context.log);
}
