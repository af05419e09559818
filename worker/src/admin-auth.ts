import { secretsEqual } from "./constant-time";
import { GatewayError } from "./errors";
import { LogThrottle } from "./log-throttle";
import { type Logger, truncatePathForLog } from "./logger";
import type { ConfiguredRequest } from "./request-context";

export const ADMIN_DISABLED_MESSAGE =
  "The purge endpoint is disabled because ADMIN_SECRET is not set";

/** Minimum time between two admin_disabled log lines of one isolate. */
export const ADMIN_DISABLED_LOG_INTERVAL_MS = 60_000;

const BEARER_PREFIX = /^Bearer(?:\s+|$)/i;

// One per isolate, so each isolate logs the misconfiguration at most once per interval.
const adminDisabledLogs = new LogThrottle(ADMIN_DISABLED_LOG_INTERVAL_MS);

/**
 * Checks `Authorization: Bearer <ADMIN_SECRET>` for the admin routes. Throws 503
 * admin_disabled when ADMIN_SECRET is not set, 401 missing_admin_secret when no credential is
 * sent and 401 invalid_admin_secret when it does not match. The secret is compared in
 * constant time and case-sensitively. The scheme name is case-insensitive, as RFC 9110
 * defines it.
 */
export async function requireAdminSecret(request: ConfiguredRequest): Promise<void> {
  const { config, context } = request;
  if (config.adminSecret === undefined) {
    logAdminDisabled(context.log, new URL(request.url).pathname);
    throw new GatewayError("admin_disabled", ADMIN_DISABLED_MESSAGE);
  }
  const presented = readBearerCredential(request.headers.get("Authorization"), context.log);
  if (!(await secretsEqual(presented, config.adminSecret))) {
    context.log.warn("admin_auth_failed", { reason: "invalid_admin_secret" });
    throw new GatewayError(
      "invalid_admin_secret",
      "Invalid admin secret: the Authorization header does not contain ADMIN_SECRET",
    );
  }
}

function readBearerCredential(header: string | null, log: Logger): string {
  const trimmed = header?.trim() ?? "";
  if (trimmed === "" || /^Bearer$/i.test(trimmed)) {
    log.warn("admin_auth_failed", { reason: "missing_admin_secret" });
    throw new GatewayError(
      "missing_admin_secret",
      "Missing admin secret: send it as Authorization: Bearer <ADMIN_SECRET>",
    );
  }
  if (!BEARER_PREFIX.test(trimmed)) {
    log.warn("admin_auth_failed", { reason: "not_bearer_scheme" });
    throw new GatewayError(
      "invalid_admin_secret",
      "Authorization header: must use the Bearer scheme, as in Authorization: Bearer <ADMIN_SECRET>",
    );
  }
  return trimmed.replace(BEARER_PREFIX, "");
}

function logAdminDisabled(log: Logger, path: string): void {
  const suppressedCount = adminDisabledLogs.admit();
  if (suppressedCount === undefined) {
    return;
  }
  log.error("admin_disabled", {
    variable: "ADMIN_SECRET",
    reason: "not set, so the cache purge and key listing endpoints return 503 admin_disabled",
    path: truncatePathForLog(path),
    suppressedCount,
  });
}
