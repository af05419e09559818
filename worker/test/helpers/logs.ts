import { vi } from "vitest";

export interface LogEntry {
  level: string;
  event: string;
  requestId: string;
  [field: string]: unknown;
}

export interface LogCapture {
  /** Every console line, exactly as written. */
  lines: string[];
  entries(): LogEntry[];
  /** The entries of one event, in order. */
  events(event: string): LogEntry[];
}

/** Captures console.log, console.warn and console.error, which also keeps test output quiet. */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
  }
  const entries = () => lines.map((line) => JSON.parse(line) as LogEntry);
  return { lines, entries, events: (event) => entries().filter((entry) => entry.event === event) };
}
