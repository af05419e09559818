import type { PurgeSummary, TallyListener } from "./tally.ts";

/** The streams a run writes to; `isTTY` on stderr turns on the updating progress line. */
export interface OutputStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export interface ReporterOptions {
  json: boolean;
  /** Whether each purged key gets its own line; off for --all, which reports a count. */
  listPurgedKeys: boolean;
}

/** Context of the summary sentence besides the counts. */
export interface SummaryContext {
  /** Purge target phrase, such as "through the Worker at http://127.0.0.1:8787". */
  target: string | undefined;
  all: boolean;
  /** Whether an error ended the run early. */
  stopped: boolean;
}

// Carriage return, then "erase the whole line" (ECMA-48 EL with parameter 2).
const CLEAR_LINE = "\r\u001b[2K";

/**
 * Writes what a run does. Results go to stdout: one line per key, then a summary, or with
 * --json one JSON object and nothing else. Notices, progress and errors go to stderr. On a
 * terminal, progress is one line that each update rewrites; otherwise each update is a line.
 */
export class Reporter implements TallyListener {
  private progressShown = false;

  constructor(
    private readonly streams: OutputStreams,
    private readonly options: ReporterOptions,
  ) {}

  notice(message: string): void {
    this.writeError(`note: ${message}`);
  }

  warn(message: string): void {
    this.writeError(`warning: ${message}`);
  }

  onFailure(message: string): void {
    this.writeError(`error: ${message}`);
  }

  onKeys(action: "purged" | "listed", hashes: readonly string[]): void {
    if (this.options.json) return;
    if (action === "purged" && !this.options.listPurgedKeys) return;
    const verb = action === "purged" ? "Purged" : "Would purge";
    const lines = hashes.map((hash) => `${verb} ${hash}\n`);
    if (lines.length > 0) this.writeOut(lines.join(""));
  }

  onProgress(text: string): void {
    if (this.streams.stderr.isTTY === true) {
      this.streams.stderr.write(`${CLEAR_LINE}${text}`);
      this.progressShown = true;
    } else {
      this.streams.stderr.write(`${text}\n`);
    }
  }

  /** Writes the summary: the JSON object with --json, else one sentence on stdout. */
  finish(summary: PurgeSummary, context: SummaryContext): void {
    this.endProgress();
    if (this.options.json) {
      this.streams.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    // Without a target the run stopped before it began, and the error message gives the reason.
    const { target } = context;
    if (target !== undefined)
      this.writeOut(`${describeSummary(summary, { ...context, target })}\n`);
  }

  private writeOut(text: string): void {
    this.endProgress();
    this.streams.stdout.write(text);
  }

  private writeError(line: string): void {
    this.endProgress();
    this.streams.stderr.write(`${line}\n`);
  }

  private endProgress(): void {
    if (!this.progressShown) return;
    this.streams.stderr.write("\n");
    this.progressShown = false;
  }
}

function describeSummary(
  summary: PurgeSummary,
  context: SummaryContext & { target: string },
): string {
  const scope = context.all ? " under instance-token:v1:" : "";
  const failed = summary.failed > 0 ? `; ${summary.failed} failed` : "";
  const stopped = context.stopped ? "; stopped by the error above" : "";
  if (summary.dryRun) {
    const count = plural(summary.keys.length, "key");
    return `Dry run: ${count}${scope} would be purged ${context.target}${failed}${stopped}; nothing was changed.`;
  }
  return `Purged ${plural(summary.purged, "key")}${scope} ${context.target}${failed}${stopped}.`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
