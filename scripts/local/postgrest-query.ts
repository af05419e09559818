import { type ApiError, postgrestError } from "./postgrest-errors.ts";

/** A read request on one table, as far as the PostgREST stand-in supports it. */
export interface ReadPlan {
  /** Column names to return, in order, or "*" for every column. */
  select: string[] | "*";
  /** `<column>=eq.<value>` filters, combined with AND. */
  filters: Array<{ column: string; value: string }>;
  limit: number | undefined;
}

const PLAIN_COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const LIMIT_DIGITS = /^-?[0-9]{1,15}$/;

// Query parameters and filter operators that PostgREST understands but the stand-in does not
// implement. They get the "Feature not implemented" error rather than a parse error.
const UNSUPPORTED_PARAMETERS = new Set(["order", "offset", "and", "or", "not.and", "not.or"]);
const UNSUPPORTED_PARAMETERS_ANY_ENDING = new Set(["columns", "on_conflict"]);
const UNSUPPORTED_OPERATORS = new Set([
  ...["neq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch", "is", "isdistinct"],
  ...["in", "cs", "cd", "ov", "sl", "sr", "nxr", "nxl", "adj", "not", "fts", "plfts", "phfts"],
  ...["wfts", "any", "all"],
]);

/**
 * Splits a raw query string (without "?") into decoded name and value pairs the way PostgREST
 * does (Haskell http-types parseQueryReplacePlus): pairs are separated by "&" or ";", "+" is a
 * space, and each valid %XX escape becomes one byte. An escape that is not two hex digits stays
 * as written. The bytes are then read as UTF-8; invalid sequences become U+FFFD.
 */
export function parseQueryString(rawQuery: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split(/[&;]/)) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const rawName = equals === -1 ? part : part.slice(0, equals);
    const rawValue = equals === -1 ? "" : part.slice(equals + 1);
    pairs.push([decodeQueryComponent(rawName), decodeQueryComponent(rawValue)]);
  }
  return pairs;
}

const PERCENT_SIGN = 0x25;

export function decodeQueryComponent(raw: string): string {
  const input = Buffer.from(raw.replaceAll("+", " "), "utf8");
  const output = Buffer.alloc(input.length);
  let length = 0;
  for (let index = 0; index < input.length; index += 1) {
    const high = hexDigitValue(input[index + 1]);
    const low = hexDigitValue(input[index + 2]);
    if (input[index] === PERCENT_SIGN && high !== undefined && low !== undefined) {
      output[length] = high * 16 + low;
      index += 2;
    } else {
      output[length] = input[index] ?? 0;
    }
    length += 1;
  }
  return output.subarray(0, length).toString("utf8");
}

function hexDigitValue(byte: number | undefined): number | undefined {
  if (byte === undefined) return undefined;
  const digit = Number.parseInt(String.fromCharCode(byte), 16);
  return Number.isNaN(digit) ? undefined : digit;
}

/** Builds the read plan of a GET request, or throws the ApiError PostgREST would send. */
export function parseReadRequest(rawQuery: string): ReadPlan {
  const plan: ReadPlan = { select: "*", filters: [], limit: undefined };
  const seen = new Set<string>();
  for (const [name, value] of parseQueryString(rawQuery)) {
    if (name === "select" || name === "limit") {
      if (seen.has(name)) {
        throw parseError(
          `failed to parse ${name} parameter (${value})`,
          `The ${name} parameter appears more than once; give it once.`,
        );
      }
      seen.add(name);
    }
    if (name === "select") plan.select = parseSelect(value);
    else if (name === "limit") plan.limit = parseLimit(value);
    else plan.filters.push(parseFilter(name, value));
  }
  return plan;
}

function parseSelect(value: string): string[] | "*" {
  if (value.trim() === "*") return "*";
  const columns: string[] = [];
  for (const item of value.split(",")) {
    const column = item.replace(/^[ \t]+|[ \t]+$/g, "");
    if (column === "") {
      throw parseError(
        `failed to parse select parameter (${value})`,
        "The list contains an empty column name; separate column names with single commas.",
      );
    }
    if (!PLAIN_COLUMN_NAME.test(column)) {
      throw notImplemented(
        `select supports only plain column names or "*", not "${column}" ` +
          "(casts, aliases, JSON paths and embedded resources are not implemented)",
      );
    }
    columns.push(column);
  }
  return columns;
}

function parseLimit(value: string): number {
  // NOTE: PostgREST's parser ignores a limit that is not an integer. The stand-in rejects it so
  // that a malformed request cannot silently return every row.
  if (!LIMIT_DIGITS.test(value)) {
    throw parseError(
      `failed to parse limit parameter (${value})`,
      "The limit must be a whole number, such as limit=2.",
    );
  }
  const limit = Number(value);
  if (limit < 0) {
    throw postgrestError(
      416,
      "PGRST103",
      "Requested range not satisfiable",
      "Limit should be greater than or equal to zero.",
    );
  }
  return limit;
}

function parseFilter(name: string, value: string): { column: string; value: string } {
  const lastSegment = name.split(".").at(-1) ?? name;
  if (UNSUPPORTED_PARAMETERS.has(name) || UNSUPPORTED_PARAMETERS_ANY_ENDING.has(lastSegment)) {
    throw notImplemented(`the "${name}" query parameter is not implemented`);
  }
  if (name.includes(".")) {
    throw notImplemented(`filters on embedded resources ("${name}") are not implemented`);
  }
  const dot = value.indexOf(".");
  const operator = dot === -1 ? value : value.slice(0, dot);
  if (operator === "eq" && dot !== -1) {
    return { column: name, value: value.slice(dot + 1) };
  }
  if (UNSUPPORTED_OPERATORS.has(operator)) {
    throw notImplemented(`only the eq operator is implemented, not "${operator}"`);
  }
  // NOTE: PostgREST reads a parameter without an operator as a function argument, which a table
  // read does not use. The stand-in rejects it, so a filter missing "eq." cannot silently return
  // every row. The message leaves the value out because the value may be a token.
  throw parseError(
    `failed to parse filter on ${name}`,
    `The filter has no known operator; write ${name}=eq.<value>.`,
  );
}

function parseError(message: string, details: string): ApiError {
  return postgrestError(400, "PGRST100", `"${message}"`, details);
}

function notImplemented(details: string): ApiError {
  return postgrestError(
    400,
    "PGRST127",
    "Feature not implemented",
    `This local PostgREST stand-in: ${details}.`,
  );
}
