/** JSON body of a PostgREST error: the fields of a Postgres error, or a PGRSTxxx code. */
export interface PostgrestErrorBody {
  code: string;
  details: string | null;
  hint: string | null;
  message: string;
}

/** JSON body of an error from Supabase's API gateway, which checks the API key before PostgREST runs. */
export interface GatewayErrorBody {
  message: string;
  hint: string;
}

/** An error response of the API stand-in, with the HTTP status that Supabase gives it. */
export class ApiError extends Error {
  readonly status: number;
  readonly body: PostgrestErrorBody | GatewayErrorBody;

  constructor(status: number, body: PostgrestErrorBody | GatewayErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

export function postgrestError(
  status: number,
  code: string,
  message: string,
  details: string | null = null,
  hint: string | null = null,
): ApiError {
  return new ApiError(status, { code, details, hint, message });
}

// HTTP status of a Postgres error, as PostgREST maps SQLSTATE codes (docs.postgrest.org/en/v14,
// "Errors"). Exact codes win over class prefixes, and every code not listed is 400. 42501 is
// handled apart because its status depends on the role.
const STATUS_BY_SQLSTATE: Record<string, number> = {
  "23503": 409,
  "23505": 409,
  "25006": 405,
  "53400": 500,
  P0001: 400,
  "42883": 404,
  "42P01": 404,
  "42P17": 500,
};
const STATUS_BY_SQLSTATE_CLASS: Record<string, number> = {
  "08": 503,
  "09": 500,
  "0L": 403,
  "0P": 403,
  "25": 500,
  "28": 403,
  "2D": 500,
  "38": 500,
  "39": 500,
  "3B": 500,
  "40": 500,
  "53": 503,
  "54": 500,
  "55": 500,
  "57": 500,
  "58": 500,
  F0: 500,
  HV: 500,
  P0: 500,
  XX: 500,
};

/**
 * Returns the HTTP status PostgREST gives a Postgres error. An insufficient_privilege error
 * (42501) is 401 for the anonymous role, so the client knows a key with more rights could
 * succeed, and 403 for any other role.
 */
export function statusForSqlState(sqlState: string, isAnonymous: boolean): number {
  if (sqlState === "42501") return isAnonymous ? 401 : 403;
  return STATUS_BY_SQLSTATE[sqlState] ?? STATUS_BY_SQLSTATE_CLASS[sqlState.slice(0, 2)] ?? 400;
}

interface DatabaseErrorFields {
  code: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** Checks whether the value is an error that Postgres reported, with a five-character SQLSTATE. */
export function isDatabaseError(error: unknown): error is DatabaseErrorFields {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as Partial<DatabaseErrorFields>).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
}

/** Converts a Postgres error into the error response PostgREST would send for it. */
export function fromDatabaseError(error: DatabaseErrorFields, isAnonymous: boolean): ApiError {
  return postgrestError(
    statusForSqlState(error.code, isAnonymous),
    error.code,
    error.message,
    error.detail ?? null,
    error.hint ?? null,
  );
}
