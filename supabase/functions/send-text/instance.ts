import { FunctionError } from "../_shared/errors.ts";
import { type PostgrestClient, PostgrestError } from "../_shared/postgrest.ts";

export const DATABASE_RETRY_AFTER_SECONDS = 1;

/** The columns of whatsapp_instances that the send path re-reads. */
export interface InstanceRecord {
  id: string;
  status: string;
  instance_token: string;
  provider_token: string;
}

/**
 * Re-reads the instance by id with the service role key. This read is authoritative: it never
 * goes through a cache, so a disconnect or token rotation committed in the database applies to
 * the very next send. Returns null when no row has this id.
 */
export async function readInstance(
  postgrest: PostgrestClient,
  instanceId: string,
): Promise<InstanceRecord | null> {
  const rows = await selectInstanceRows(postgrest, instanceId);
  if (rows.length === 0) {
    return null;
  }
  if (rows.length > 1) {
    throw new Error(`PostgREST returned ${rows.length} rows for one instance id.`);
  }
  return toInstanceRecord(rows[0]);
}

async function selectInstanceRows(
  postgrest: PostgrestClient,
  instanceId: string,
): Promise<unknown[]> {
  try {
    return await postgrest.select("whatsapp_instances", {
      select: "id,status,instance_token,provider_token",
      id: `eq.${instanceId}`,
      limit: "2",
    });
  } catch (error) {
    throw toDatabaseError(error);
  }
}

function toDatabaseError(error: unknown): unknown {
  if (!(error instanceof PostgrestError)) {
    return error;
  }
  const unavailable =
    error.failure === "timeout" ||
    error.failure === "network" ||
    (error.status !== undefined && error.status >= 500);
  if (unavailable) {
    return new FunctionError(
      "database_unavailable",
      "The database is unavailable. Retry the request later.",
      { headers: { "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS) }, cause: error },
    );
  }
  if (error.status === 401 || error.status === 403) {
    return new FunctionError(
      "gateway_misconfigured",
      "The send-text function is misconfigured and cannot read instances.",
      { cause: error },
    );
  }
  return error;
}

function toInstanceRecord(row: unknown): InstanceRecord {
  const record = row as Partial<Record<keyof InstanceRecord, unknown>> | null;
  const valid =
    typeof record === "object" &&
    record !== null &&
    typeof record.id === "string" &&
    typeof record.status === "string" &&
    typeof record.instance_token === "string" &&
    typeof record.provider_token === "string";
  if (!valid) {
    throw new Error("PostgREST returned an instance row without the expected string columns.");
  }
  return record as InstanceRecord;
}
