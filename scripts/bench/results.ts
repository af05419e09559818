import type { CountSnapshot } from "./counters.ts";
import { type LoadOutcome, percentile } from "./load.ts";
import type { BenchWorker } from "./worker-runtime.ts";

export type ScenarioName =
  | "bare"
  | "floor"
  | "memory_hit"
  | "kv_hit"
  | "no_cache"
  | "memory_hit_no_log_output"
  | "stampede"
  | "stampede_memory_off"
  | "distinct"
  | "distinct_memory_off"
  | "cold_miss";

/**
 * Workers and scenarios with no KV binding, whose KV columns stay empty. A Worker and its
 * throughput scenario share the name.
 */
export const WITHOUT_KV: ReadonlySet<string> = new Set(["bare", "floor"]);

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
  /** Connection errors and timeouts. */
  errors: number;
}

/** A run that got responses other than 2xx, connection errors or timeouts. */
export interface RunProblem {
  label: string;
  worker: string;
  non2xx: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Distinct lines the Worker wrote to stderr, shortened, without the runtime's stack lines. */
  workerMessages: string[];
}

const MAX_MESSAGE_LENGTH = 240;

/**
 * Collects every failed request of a run. The run goes on, so the report still shows every
 * figure, and the bench exits with 1 at the end when any request failed.
 */
export class ProblemLog {
  readonly problems: RunProblem[] = [];

  /** Records the run's failures, if any, and returns how many requests failed. */
  record(label: string, outcome: LoadOutcome, worker: BenchWorker): number {
    const failed = outcome.non2xx + outcome.errors + outcome.timeouts;
    if (failed > 0) {
      this.problems.push({
        label,
        worker: worker.name,
        non2xx: outcome.non2xx,
        statuses: outcome.otherStatuses,
        errors: outcome.errors,
        timeouts: outcome.timeouts,
        workerMessages: distinctMessages(worker.stderrTail()),
      });
    }
    return failed;
  }
}

function distinctMessages(lines: readonly string[]): string[] {
  const messages = lines
    .filter((line) => !line.startsWith("stack:") && !/^\s+at /.test(line))
    .map((line) => line.slice(0, MAX_MESSAGE_LENGTH));
  return [...new Set(messages)];
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
