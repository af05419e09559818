/** Values a log line may carry; nested objects are left out so every field stays greppable. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type LogLevel = "info" | "warn" | "error";

/**
 * Writes one JSON line per event, tagged with the request id. Callers pass a token only as its
 * tokenHash and a phone number only through `maskRecipient`; secrets are never passed at all.
 */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const CONSOLE_METHOD: Record<LogLevel, "log" | "warn" | "error"> = {
  info: "log",
  warn: "warn",
  error: "error",
};

export function createLogger(requestId: string): Logger {
  const write = (level: LogLevel, event: string, fields: LogFields = {}): void => {
    const line = JSON.stringify({ level, event, requestId, ...fields });
    console[CONSOLE_METHOD[level]](line);
  };
  return {
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
  };
}

/** Longest request path a log line carries, in characters; the rest is cut and counted. */
export const MAX_LOGGED_PATH_CHARS = 256;

/**
 * Returns the path as a log line carries it: unchanged up to MAX_LOGGED_PATH_CHARS characters,
 * else its first 256 characters and a marker with the number cut, as in "/aaa…(+19744 chars)".
 * The path comes from the client, so without a bound an unknown 20 KB path would make a 20 KB
 * log line. A URL's pathname is ASCII (the URL parser percent-encodes the rest), so the cut
 * never splits a character.
 */
export function truncatePathForLog(path: string): string {
  if (path.length <= MAX_LOGGED_PATH_CHARS) {
    return path;
  }
  const cutChars = path.length - MAX_LOGGED_PATH_CHARS;
  return `${path.slice(0, MAX_LOGGED_PATH_CHARS)}…(+${cutChars} chars)`;
}

/** Describes a caught error for the log without its stack, which adds noise to expected faults. */
export function describeError(error: unknown): LogFields {
  if (error instanceof Error) {
    return { errorName: error.name, errorMessage: error.message };
  }
  return { errorName: typeof error, errorMessage: String(error) };
}

/**
 * Masks a phone number or WhatsApp JID down to its last 4 digits, keeping a JID's domain so
 * the log still distinguishes a person from a group: "5511999999999" -> "***9999".
 */
export function maskRecipient(recipient: string): string {
  const at = recipient.indexOf("@");
  const user = at === -1 ? recipient : recipient.slice(0, at);
  const domain = at === -1 ? "" : recipient.slice(at);
  return `***${user.slice(-4)}${domain}`;
}
