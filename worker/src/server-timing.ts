/// <reference types="node/async_hooks" />
import { AsyncLocalStorage } from "node:async_hooks";

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

// The modules that do the timed work are called from the routes without a request object, so
// the request's ServerTiming travels with the async context instead of through every call.
const requestTimings = new AsyncLocalStorage<ServerTiming>();

/** Runs `handle` with `timing` as the ServerTiming that `recordTiming` writes to. */
export function runWithServerTiming<T>(timing: ServerTiming, handle: () => T): T {
  return requestTimings.run(timing, handle);
}

/** Formats the current request's header value; outside `runWithServerTiming` it has only total. */
export function formatCurrentServerTiming(totalMs: number): string {
  return (requestTimings.getStore() ?? new ServerTiming()).toHeaderValue(totalMs);
}

/**
 * Records the time since `startedAtMs` (a `Date.now()` value) on the current request. Does
 * nothing outside `runWithServerTiming`, as when a test calls a module directly.
 */
export function recordTiming(
  metric: TimingMetric,
  startedAtMs: number,
  description?: CacheOutcome,
): void {
  requestTimings.getStore()?.record(metric, Date.now() - startedAtMs, description);
}
