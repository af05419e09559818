import { GatewayError } from "./errors";

/** Longest accepted token, in characters; the database enforces the same limit. */
export const MAX_TOKEN_LENGTH = 256;

// Printable ASCII without the space (0x21 to 0x7E), the same rule as the database's check.
const TOKEN_PATTERN = /^[\x21-\x7e]+$/;
const BEARER_PREFIX = /^Bearer(?:\s+|$)/i;
const REPEATED_HEADER_SEPARATOR = ", ";

interface TokenSource {
  header: string;
  token: string;
}

/**
 * Returns the client's instance token from the `token` header or `Authorization: Bearer`.
 * Throws 401 missing_token when neither is sent, and 401 invalid_token when a token is
 * malformed or the two headers disagree. A header sent twice arrives joined with ", " and gets
 * its own message. Nothing here touches the cache or the database.
 */
export function extractToken(headers: Headers): string {
  const sources = [readTokenHeader(headers), readAuthorizationHeader(headers)].filter(
    (source): source is TokenSource => source !== undefined,
  );
  const [first, second] = sources;
  if (first === undefined) {
    throw new GatewayError(
      "missing_token",
      "Missing token: send the instance token in the token header or as Authorization: Bearer <token>",
    );
  }
  for (const source of sources) {
    validateTokenFormat(source);
  }
  if (second !== undefined && second.token !== first.token) {
    throw new GatewayError(
      "invalid_token",
      "The token and Authorization headers contain different tokens; send one token",
    );
  }
  return first.token;
}

function readTokenHeader(headers: Headers): TokenSource | undefined {
  const value = headers.get("token");
  if (value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  rejectRepeatedHeader("token", trimmed);
  return { header: "token", token: trimmed };
}

function readAuthorizationHeader(headers: Headers): TokenSource | undefined {
  const value = headers.get("Authorization");
  if (value === null) {
    return undefined;
  }
  const trimmed = value.trim();
  rejectRepeatedHeader("Authorization", trimmed);
  if (!BEARER_PREFIX.test(trimmed)) {
    throw new GatewayError(
      "invalid_token",
      "Authorization header: must use the Bearer scheme, as in Authorization: Bearer <token>",
    );
  }
  return { header: "Authorization", token: trimmed.replace(BEARER_PREFIX, "").trim() };
}

/**
 * Throws 401 invalid_token when the header was sent more than once. The runtime joins the values
 * of a repeated header with ", ", and a valid token never contains a space, so the joined value
 * gets this message instead of the generic one about white space.
 */
function rejectRepeatedHeader(header: string, value: string): void {
  if (value.includes(REPEATED_HEADER_SEPARATOR)) {
    throw new GatewayError(
      "invalid_token",
      `${header} header: sent more than once; send exactly one token`,
    );
  }
}

function validateTokenFormat({ header, token }: TokenSource): void {
  const problem = describeTokenFormatProblem(token);
  if (problem !== undefined) {
    throw new GatewayError("invalid_token", `${header} header: ${problem}`);
  }
}

/**
 * Returns what makes a trimmed token malformed, as a phrase such as "the token is empty", or
 * undefined when it is well formed.
 */
export function describeTokenFormatProblem(token: string): string | undefined {
  if (token === "") {
    return "the token is empty";
  }
  if (token.length > MAX_TOKEN_LENGTH) {
    return `the token is longer than ${MAX_TOKEN_LENGTH} characters`;
  }
  if (!TOKEN_PATTERN.test(token)) {
    return "the token must contain only printable ASCII characters, without white space or control characters";
  }
  return undefined;
}
