/** Name of the response header that reports where a request spent its time. */
export const SERVER_TIMING_HEADER = "Server-Timing";

/**
 * Phases a request can report besides `total`: the token cache lookup (memory tier and KV), the
 * PostgREST query, and the call to the send-text function.
 */
export type TimingMetric = "cache" | "db" | "upstream";

/** Where the cache lookup found the token: the isolate's memory tier, KV, or neither. */
export type CacheOutcome = "memory" | "kv" | "miss";

interface TimingEntry {
  metric: TimingMetric;
  durationMs: number;
  description: CacheOutcome | undefined;
}

/**
 * The phases one request went through, in the order they ended. Metric names and descriptions
 * come from fixed sets, so no token, header or body value can reach the header.
 */
export class ServerTiming {
  readonly #entries: TimingEntry[] = [];

  record(metric: TimingMetric, durationMs: number, description?: CacheOutcome): void {
    this.#entries.push({ metric, durationMs, description });
  }

  /** Records the time since `startedAtMs`, a `Date.now()` value. */
  recordSince(metric: TimingMetric, startedAtMs: number, description?: CacheOutcome): void {
    this.record(metric, Date.now() - startedAtMs, description);
  }

  /** Formats the header value, e.g. `cache;desc="kv";dur=3, total;dur=5`. */
  toHeaderValue(totalMs: number): string {
    const metrics = this.#entries.map(({ metric, durationMs, description }) => {
      const descriptionPart = description === undefined ? "" : `;desc="${description}"`;
      return `${metric}${descriptionPart};dur=${formatDuration(durationMs)}`;
    });
    metrics.push(`total;dur=${formatDuration(totalMs)}`);
    return metrics.join(", ");
  }
}

function formatDuration(durationMs: number): string {
  return String(Math.max(0, Math.round(durationMs)));
}
