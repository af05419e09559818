import type { CountSnapshot } from "./counters.ts";
import { type LoadOutcome, percentile } from "./load.ts";
import type { BenchWorker } from "./worker-runtime.ts";

export type ScenarioName =
  | "bare"
  | "memory_hit"
  | "kv_hit"
  | "no_cache"
  | "memory_hit_no_log_output"
  | "stampede"
  | "stampede_memory_off"
  | "distinct"
  | "distinct_memory_off"
  | "cold_miss";

export interface LatencySummary {
  p50Ms: number;
  p99Ms: number;
  samples: number;
}

export interface ScenarioResult {
  name: ScenarioName;
  /** Worker configuration and load shape, in words, for the report. */
  setup: string;
  /** Responses of every measured run of the scenario. */
  requests: number;
  /** Median over rounds for throughput scenarios; responses / elapsed time otherwise. */
  rps: number;
  /** One connection for throughput scenarios (unloaded latency); the run's load otherwise. */
  latency: LatencySummary;
  /** Latency under the throughput runs' many connections; throughput scenarios only. */
  loadedLatency?: LatencySummary;
  rpsPerRound?: number[];
  /** CPU time of the Worker's workerd process per request in the throughput runs. */
  cpuMicrosecondsPerRequest?: number;
  counts: CountSnapshot;
  /** Keys that appeared in the Worker's KV namespace during the scenario. */
  storedKeysAdded?: number;
  non2xx: number;
}

/** Thrown when a run had a response other than 2xx, an error or a timeout. */
export class BenchFailure extends Error {
  override name = "BenchFailure";
}

/** Throws BenchFailure naming the scenario, the statuses and the Worker's last error lines. */
export function requireSuccess(scenario: string, outcome: LoadOutcome, worker: BenchWorker): void {
  if (outcome.non2xx === 0 && outcome.errors === 0 && outcome.timeouts === 0) {
    return;
  }
  const statuses = Object.entries(outcome.otherStatuses)
    .map(([status, count]) => `${count} x ${status}`)
    .join(", ");
  const tail = worker.stderrTail().join("\n");
  throw new BenchFailure(
    `${scenario} on Worker ${worker.name}: ${outcome.non2xx} non-2xx responses (${statuses || "none"}), ` +
      `${outcome.errors} connection errors, ${outcome.timeouts} timeouts. Last lines the Worker ` +
      `wrote to stderr:\n${tail || "(none)"}`,
  );
}

export function summarizeLatency(latenciesMs: number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const values = Array.from(sorted);
  return {
    p50Ms: percentile(values, 0.5),
    p99Ms: percentile(values, 0.99),
    samples: values.length,
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function requestsPerSecond(outcome: LoadOutcome): number {
  return outcome.latenciesMs.length / (outcome.elapsedMs / 1000);
}
