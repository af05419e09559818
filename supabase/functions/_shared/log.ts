import type { FunctionError } from "./errors.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Extra fields of a log line. Values must already be safe: no raw token, secret or number. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** Writes one structured event. */
export type Logger = (
  level: LogLevel,
  event: string,
  requestId: string,
  fields?: LogFields,
) => void;

const VISIBLE_PHONE_DIGITS = 4;

/** Writes each event as one JSON line; errors go to stderr. */
export const jsonLineLogger: Logger = (level, event, requestId, fields = {}) => {
  const line = JSON.stringify({ level, event, requestId, ...fields });
  if (level === "error") {
    console.error(line);
  } else {
    console.log(line);
  }
};

/**
 * Masks a phone number or WhatsApp JID down to its last 4 digits, for example "***4321".
 * Inputs with 4 digits or fewer are masked completely.
 */
export function maskPhoneNumber(number: string): string {
  const digits = number.replace(/\D/g, "");
  if (digits.length <= VISIBLE_PHONE_DIGITS) {
    return "***";
  }
  return `***${digits.slice(-VISIBLE_PHONE_DIGITS)}`;
}

/** Returns a short description of a caught value for logs, without its stack. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

/**
 * Logs a failed request as `event`: 5xx failures as errors with their cause, and caller-caused
 * 4xx failures as warnings.
 */
export function logFunctionFailure(
  logger: Logger,
  event: string,
  requestId: string,
  failure: FunctionError,
  fields: LogFields,
): void {
  const level = failure.status >= 500 ? "error" : "warn";
  const cause = failure.cause === undefined ? undefined : describeError(failure.cause);
  logger(level, event, requestId, { ...fields, code: failure.code, status: failure.status, cause });
}
