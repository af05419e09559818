/** Building blocks shared by the functions' test harnesses. */
import type { LogFields, Logger, LogLevel } from "../_shared/log.ts";

/** One log line as a handler under test wrote it. */
export interface LogLine extends LogFields {
  level: LogLevel;
  event: string;
  requestId: string;
}

/** Returns a logger that keeps every line in `logs` instead of printing it. */
export function createLogRecorder(): { logs: LogLine[]; logger: Logger } {
  const logs: LogLine[] = [];
  const logger: Logger = (level, event, requestId, fields) =>
    logs.push({ ...fields, level, event, requestId });
  return { logs, logger };
}

/** Changes to a function's default test request. */
export interface TestRequestOptions {
  method?: string;
  /** Header overrides; null removes a default header. */
  headers?: Record<string, string | null>;
  /** Raw body; each harness documents its default. */
  body?: string;
}

/** Builds a request to `url` from default headers and body with the given changes applied. */
export function buildTestRequest(
  url: string,
  defaults: { headers: Record<string, string>; body: string },
  options: TestRequestOptions = {},
): Request {
  const headers = new Headers(defaults.headers);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === null) {
      headers.delete(name);
    } else {
      headers.set(name, value);
    }
  }
  const method = options.method ?? "POST";
  const body = options.body ?? defaults.body;
  return new Request(url, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? null : body,
  });
}
