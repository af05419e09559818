import * as v from "valibot";
import type { GatewayConfig } from "./env";
import { GatewayError, INTERNAL_ERROR_MESSAGE, MISCONFIGURED_MESSAGE } from "./errors";
import { type InstanceRecord, InstanceRecordSchema } from "./instance-record";
import { describeError, type LogFields, type Logger } from "./logger";

/** Seconds a client is asked to wait after the database failed or timed out. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

const INSTANCE_COLUMNS = "id,user_id,name,status";
// Two rows are enough to notice a broken uniqueness guarantee without reading more.
const ROW_LIMIT = 2;

/**
 * Looks a token up in whatsapp_instances through PostgREST by its SHA-256 digest (64 lowercase
 * hex characters, the column instance_token_sha256), and returns the row, or null when no row
 * matches. The URL carries the digest and never the token, because PostgREST, proxies and
 * wrangler log request URLs. Faults that a retry can fix (timeout, network error, 5xx, 429, unparseable
 * JSON) throw 503 database_unavailable. Rejected credentials throw 500 gateway_misconfigured.
 * An unexpected status, a row of the wrong shape or a token that matches two rows throw 500
 * internal_error, so the gateway fails closed.
 */
export async function lookupInstanceByTokenDigest(
  tokenDigestHex: string,
  config: GatewayConfig,
  log: Logger,
): Promise<InstanceRecord | null> {
  const signal = AbortSignal.timeout(config.postgrestTimeoutMs);
  let status: number;
  let bodyText: string;
  try {
    const response = await fetch(buildLookupUrl(config.supabaseUrl, tokenDigestHex), {
      headers: {
        apikey: config.serviceRoleKey,
        Authorization: `Bearer ${config.serviceRoleKey}`,
        Accept: "application/json",
      },
      signal,
    });
    status = response.status;
    bodyText = await response.text();
  } catch (error) {
    const reason = signal.aborted ? "timeout" : "network_error";
    throw databaseUnavailable(log, { reason, ...describeLookupError(error, tokenDigestHex) });
  }
  checkLookupStatus(status, log);
  return selectSingleRow(parseJsonBody(bodyText, log), log);
}

function buildLookupUrl(supabaseUrl: string, tokenDigestHex: string): string {
  const query = new URLSearchParams({
    select: INSTANCE_COLUMNS,
    instance_token_sha256: `eq.${tokenDigestHex}`,
    limit: String(ROW_LIMIT),
  });
  return `${supabaseUrl}/rest/v1/whatsapp_instances?${query}`;
}

/**
 * Describes a failed lookup request for the log without the token's full digest, since logs
 * show a token only as the first 8 hex characters of its digest. Some runtimes name the request
 * URL in a network error, so every query string and every copy of the digest is replaced by
 * "[redacted]".
 */
function describeLookupError(error: unknown, tokenDigestHex: string): LogFields {
  const { errorName, errorMessage } = describeError(error);
  const redacted = String(errorMessage)
    .replace(/\?[^\s"'()<>]*/g, "?[redacted]")
    .replaceAll(tokenDigestHex, "[redacted]");
  return { errorName, errorMessage: redacted };
}

function checkLookupStatus(status: number, log: Logger): void {
  if (status >= 200 && status < 300) {
    return;
  }
  if (status === 401 || status === 403) {
    log.error("instance_lookup_failed", { reason: "credentials_rejected", status });
    throw new GatewayError("gateway_misconfigured", MISCONFIGURED_MESSAGE);
  }
  if (status >= 500 || status === 429) {
    throw databaseUnavailable(log, { reason: "server_error", status });
  }
  log.error("instance_lookup_failed", { reason: "unexpected_status", status });
  throw new GatewayError("internal_error", INTERNAL_ERROR_MESSAGE);
}

function parseJsonBody(bodyText: string, log: Logger): unknown {
  try {
    return JSON.parse(bodyText);
  } catch {
    // Usually a proxy error page or a cut-off body, which a retry is likely to fix.
    throw databaseUnavailable(log, { reason: "invalid_json" });
  }
}

// A row of the wrong shape means the table and this code disagree, which a retry cannot fix,
// so it fails closed with a 500 rather than a 503 that invites retries.
function selectSingleRow(rows: unknown, log: Logger): InstanceRecord | null {
  if (!Array.isArray(rows)) {
    throw failClosed(log, {
      reason: "invalid_rows",
      detail: "the response body is not a JSON array",
    });
  }
  if (rows.length > 1) {
    throw failClosed(log, { reason: "duplicate_token", rowCount: rows.length });
  }
  if (rows.length === 0) {
    return null;
  }
  const parsed = v.safeParse(InstanceRecordSchema, rows[0]);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const field = v.getDotPath(issue) ?? "row";
    throw failClosed(log, { reason: "invalid_rows", detail: `${field}: ${issue.message}` });
  }
  return parsed.output;
}

function databaseUnavailable(log: Logger, fields: LogFields): GatewayError {
  log.error("instance_lookup_failed", fields);
  return new GatewayError(
    "database_unavailable",
    "The instance database is unavailable; retry in a few seconds",
    { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
  );
}

function failClosed(log: Logger, fields: LogFields): GatewayError {
  log.error("instance_lookup_failed", { alert: true, ...fields });
  return new GatewayError("internal_error", INTERNAL_ERROR_MESSAGE);
}
