import * as v from "valibot";
import { GatewayError } from "./errors";
import { describeTokenFormatProblem } from "./token";

export const MAX_PURGE_TOKENS = 100;
/**
 * Largest page of keys. One list plus one delete per key stays under KV's limit of 1,000
 * operations per request.
 */
export const MAX_PAGE_KEYS = 500;
/**
 * Longest accepted cursor, in characters. It only bounds what the gateway passes on to KV and
 * is far above the cursors Miniflare returns: the base64 of a key name of at most 512 bytes.
 */
export const MAX_CURSOR_LENGTH = 4_096;
// More problems than this are counted rather than listed, so the message stays readable.
const MAX_PROBLEMS_IN_MESSAGE = 10;

/** One page of the token cache's keys: where to start and how many keys at most. */
export interface KeyPage {
  cursor: string | undefined;
  limit: number;
}

export type PurgeRequest = { mode: "tokens"; tokens: string[] } | { mode: "all"; page: KeyPage };

const TokenSchema = v.pipe(
  v.string("must be a string"),
  v.trim(),
  v.check(
    (token) => describeTokenFormatProblem(token) === undefined,
    (issue) => describeTokenFormatProblem(String(issue.input)) ?? "is malformed",
  ),
);

export const TokensBodySchema = v.strictObject(
  {
    tokens: v.pipe(
      v.array(TokenSchema, `must be an array of 1 to ${MAX_PURGE_TOKENS} tokens`),
      v.minLength(1, "must contain at least 1 token"),
      v.maxLength(MAX_PURGE_TOKENS, `must contain at most ${MAX_PURGE_TOKENS} tokens`),
    ),
  },
  "unknown field; a purge by token accepts only tokens",
);

const LIMIT_MESSAGE = `must be a whole number from 1 to ${MAX_PAGE_KEYS}`;

export const AllBodySchema = v.strictObject(
  {
    all: v.literal(true, "must be true"),
    // null is accepted as "from the start", so a client can send back the cursor it last got.
    cursor: v.nullish(
      v.pipe(
        v.string("must be a string"),
        v.nonEmpty("must not be empty; leave it out to start from the first key"),
        v.maxLength(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`),
      ),
    ),
    limit: v.optional(
      v.pipe(
        v.number(LIMIT_MESSAGE),
        v.integer(LIMIT_MESSAGE),
        v.minValue(1, LIMIT_MESSAGE),
        v.maxValue(MAX_PAGE_KEYS, LIMIT_MESSAGE),
      ),
      MAX_PAGE_KEYS,
    ),
  },
  "unknown field; a purge of all keys accepts only all, cursor and limit",
);

/**
 * Validates a purge body: {"tokens": [...]} or {"all": true, "cursor"?, "limit"?}. Tokens are
 * trimmed as the token headers are. Throws 400 invalid_body naming each bad field, with the
 * index of each bad token, e.g. "tokens[2]: the token is empty".
 */
export function parsePurgeRequest(input: unknown): PurgeRequest {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw invalidBody(["body: must be a JSON object with tokens, or with all set to true"]);
  }
  const hasTokens = "tokens" in input;
  const hasAll = "all" in input;
  if (hasTokens && hasAll) {
    throw invalidBody(["body: send either tokens or all, not both"]);
  }
  if (hasTokens) {
    return { mode: "tokens", tokens: parseWith(TokensBodySchema, input).tokens };
  }
  if (hasAll) {
    const { cursor, limit } = parseWith(AllBodySchema, input);
    return { mode: "all", page: { cursor: cursor ?? undefined, limit } };
  }
  throw invalidBody([
    `body: must contain tokens (an array of 1 to ${MAX_PURGE_TOKENS} tokens) or all set to true`,
  ]);
}

/**
 * Reads `cursor` and `limit` from the query of GET /admin/cache/keys. An empty value counts as
 * left out. Throws 400 invalid_query naming the parameter.
 */
export function parseKeyPageQuery(searchParams: URLSearchParams): KeyPage {
  const problems: string[] = [];
  const cursor = readSingleParam(searchParams, "cursor", problems);
  const limitText = readSingleParam(searchParams, "limit", problems);
  if (cursor !== undefined && cursor.length > MAX_CURSOR_LENGTH) {
    problems.push(`cursor query parameter: must be at most ${MAX_CURSOR_LENGTH} characters`);
  }
  const limit = limitText === undefined ? MAX_PAGE_KEYS : Number(limitText);
  if (limitText !== undefined && !isPageLimit(limitText, limit)) {
    problems.push(`limit query parameter: ${LIMIT_MESSAGE}`);
  }
  if (problems.length > 0) {
    throw new GatewayError("invalid_query", problems.join("; "));
  }
  return { cursor, limit };
}

function readSingleParam(
  searchParams: URLSearchParams,
  name: string,
  problems: string[],
): string | undefined {
  const values = searchParams.getAll(name);
  if (values.length > 1) {
    problems.push(`${name} query parameter: must be given at most once`);
  }
  const value = values[0];
  return value === undefined || value === "" ? undefined : value;
}

function isPageLimit(text: string, limit: number): boolean {
  return /^[0-9]{1,4}$/.test(text) && limit >= 1 && limit <= MAX_PAGE_KEYS;
}

function parseWith<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const parsed = v.safeParse(schema, input, { abortPipeEarly: true });
  if (!parsed.success) {
    throw invalidBody(parsed.issues.map((issue) => `${formatIssuePath(issue)}: ${issue.message}`));
  }
  return parsed.output;
}

/** Formats an issue's path as JavaScript would address it: "tokens[2]", or "body" at the top. */
function formatIssuePath(issue: v.BaseIssue<unknown>): string {
  let path = "";
  for (const item of issue.path ?? []) {
    const key = String(item.key);
    if (item.type === "array") {
      path += `[${key}]`;
    } else {
      path += path === "" ? key : `.${key}`;
    }
  }
  return path === "" ? "body" : path;
}

function invalidBody(problems: string[]): GatewayError {
  const listed = problems.slice(0, MAX_PROBLEMS_IN_MESSAGE);
  const unlisted = problems.length - listed.length;
  const suffix = unlisted > 0 ? `; and ${unlisted} more problems` : "";
  return new GatewayError("invalid_body", `${listed.join("; ")}${suffix}`);
}
