import type { RouteEntry } from "itty-router";
import { GatewayError } from "../errors";
import type { GatewayRequest } from "../request-context";

/**
 * Builds the catch-all route: 405 with an `Allow` header when the path exists under other
 * methods, else 404. The allowed methods come from the router's own table, so a new route
 * needs no change here.
 */
export function createFallbackRoute(routes: RouteEntry[]) {
  return function notFoundOrMethodNotAllowed(request: GatewayRequest): never {
    const { pathname } = new URL(request.url);
    const allowed = routes
      .filter(([method, pattern]) => method !== "ALL" && pattern.test(pathname))
      .map(([method]) => method);
    if (allowed.length === 0) {
      throw new GatewayError("not_found", "Not found: no route matches this path");
    }
    const allowHeader = allowed.join(", ");
    throw new GatewayError(
      "method_not_allowed",
      `Method ${request.method} is not allowed on this path; use ${allowHeader}`,
      { headers: { Allow: allowHeader } },
    );
  };
}
