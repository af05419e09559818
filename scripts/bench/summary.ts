import type { MemoryFootprint } from "./memory-footprint.ts";
import type { BenchOptions } from "./options.ts";
import { type RunProblem, type ScenarioName, type ScenarioResult, WITHOUT_KV } from "./results.ts";

/** Most heap the memory tier may take at its default bound of 10,000 entries. */
export const MEMORY_TIER_BUDGET_BYTES = 16 * 1024 * 1024;
const MIN_MEMORY_HIT_RATIO = 0.9;
const MAX_ADDED_P50_MS = 1;

export interface Target {
  name: string;
  /** The goal in words, e.g. "memory_hit / bare >= 0.9". */
  goal: string;
  measured: string;
  met: boolean;
}

export type SummaryValue = number | string | boolean | null;

export interface BenchSummary {
  /** Flat figures for the last line of stdout; every scenario adds its own keys. */
  figures: Record<string, SummaryValue>;
  targets: Target[];
}

/** Builds the figures and checks the targets from the results of one run. */
export interface SummaryInput {
  results: readonly ScenarioResult[];
  problems: readonly RunProblem[];
  footprint: MemoryFootprint;
  options: BenchOptions;
}

interface TargetInput extends SummaryInput {
  get: (name: ScenarioName) => ScenarioResult;
  has: (name: ScenarioName) => boolean;
}

export function summarize(input: SummaryInput): BenchSummary {
  const { results, footprint, options } = input;
  const byName = new Map(results.map((result) => [result.name, result]));
  const get = (name: ScenarioName) => {
    const result = byName.get(name);
    if (result === undefined) {
      throw new Error(`The run has no result for scenario ${name}`);
    }
    return result;
  };
  const figures: Record<string, SummaryValue> = { db_delay_ms: options.dbDelayMs };
  for (const result of results) {
    Object.assign(figures, scenarioFigures(result));
  }
  const bare = get("bare");
  const floor = get("floor");
  const memoryHit = get("memory_hit");
  Object.assign(figures, {
    memory_hit_ratio: round(memoryHit.rps / bare.rps, 3),
    floor_ratio: round(floor.rps / bare.rps, 3),
    memory_hit_floor_ratio: round(memoryHit.rps / floor.rps, 3),
    memory_hit_added_p50_ms: round(memoryHit.latency.p50Ms - bare.latency.p50Ms, 3),
    distinct_tokens: options.distinctTokens,
    memory_tier_bytes_per_entry: Math.round(footprint.bytesPerEntry),
    memory_tier_default_bound_bytes: footprint.defaultBoundBytes,
  });
  const logFree = byName.get("memory_hit_no_log_output");
  if (logFree !== undefined) {
    figures.memory_hit_no_log_output_ratio = round(logFree.rps / bare.rps, 3);
  }
  const targets = checkTargets({ ...input, get, has: (name) => byName.has(name) });
  figures.targets_met = targets.every((target) => target.met);
  return { figures, targets };
}

function scenarioFigures(result: ScenarioResult): Record<string, SummaryValue> {
  const prefix = result.name;
  const figures: Record<string, SummaryValue> = {
    [`${prefix}_requests`]: result.requests,
    [`${prefix}_rps`]: Math.round(result.rps),
    [`${prefix}_p50_ms`]: round(result.latency.p50Ms, 3),
    [`${prefix}_p99_ms`]: round(result.latency.p99Ms, 3),
    [`${prefix}_db_queries`]: result.counts.dbQueries,
    [`${prefix}_kv_reads`]: WITHOUT_KV.has(result.name) ? null : result.counts.kvReads,
    [`${prefix}_kv_writes`]: WITHOUT_KV.has(result.name) ? null : result.counts.kvWrites,
    [`${prefix}_non_2xx`]: result.non2xx,
    [`${prefix}_errors`]: result.errors,
  };
  if (result.loadedLatency !== undefined) {
    figures[`${prefix}_loaded_p50_ms`] = round(result.loadedLatency.p50Ms, 3);
    figures[`${prefix}_loaded_p99_ms`] = round(result.loadedLatency.p99Ms, 3);
  }
  if (result.cpuMicrosecondsPerRequest !== undefined) {
    figures[`${prefix}_cpu_us_per_request`] = Math.round(result.cpuMicrosecondsPerRequest);
  }
  if (result.storedKeysAdded !== undefined) {
    figures[`${prefix}_max_queries_per_token`] = result.counts.maxQueriesPerToken;
    figures[`${prefix}_kv_keys_added`] = result.storedKeysAdded;
  }
  return figures;
}

function checkTargets({ get, has, footprint, options, problems }: TargetInput): Target[] {
  const bare = get("bare");
  const memoryHit = get("memory_hit");
  const ratio = memoryHit.rps / bare.rps;
  const addedP50Ms = memoryHit.latency.p50Ms - bare.latency.p50Ms;
  return [
    allSucceededTarget(problems),
    {
      name: "memory_hit_throughput",
      goal: `memory_hit req/s >= ${MIN_MEMORY_HIT_RATIO} x bare req/s`,
      measured: `${Math.round(memoryHit.rps)} / ${Math.round(bare.rps)} = ${ratio.toFixed(3)}`,
      met: ratio >= MIN_MEMORY_HIT_RATIO,
    },
    {
      name: "memory_hit_latency",
      goal: `memory_hit p50 <= bare p50 + ${MAX_ADDED_P50_MS} ms (one connection)`,
      measured: `${formatMs(memoryHit.latency.p50Ms)} vs ${formatMs(bare.latency.p50Ms)} ms (+${formatMs(addedP50Ms)} ms)`,
      met: addedP50Ms <= MAX_ADDED_P50_MS,
    },
    noCacheTarget(get("no_cache")),
    ...stampedeTargets(get, options),
    ...distinctTargets(get, has, options),
    missTarget(get("cold_miss"), memoryHit, options),
    {
      name: "memory_tier_footprint",
      goal: `${footprint.defaultBoundEntries} entries use < ${MEMORY_TIER_BUDGET_BYTES / 2 ** 20} MiB of heap`,
      measured: `${(footprint.defaultBoundBytes / 2 ** 20).toFixed(1)} MiB`,
      met: footprint.defaultBoundBytes < MEMORY_TIER_BUDGET_BYTES,
    },
  ];
}

function allSucceededTarget(problems: readonly RunProblem[]): Target {
  const failed = problems.reduce(
    (sum, problem) => sum + problem.non2xx + problem.errors + problem.timeouts,
    0,
  );
  return {
    name: "all_requests_2xx",
    goal: "every request of every run, warm-ups included, gets a 2xx response",
    measured:
      problems.length === 0
        ? "0 failed requests"
        : `${failed} failed requests in ${problems.length} runs with failures`,
    met: failed === 0,
  };
}

// Checks the baseline itself: with the memory tier off, each request reads KV once, and the
// uncached design must then query the database. KV reads stand for requests here because a
// timed run that stops cancels a few requests after their query but before their send.
function noCacheTarget(noCache: ScenarioResult): Target {
  const { dbQueries, kvReads } = noCache.counts;
  return {
    name: "no_cache_queries",
    goal: "uncached design: 1 database query per request",
    measured: `${dbQueries} queries for ${kvReads} requests (KV reads)`,
    met: dbQueries === kvReads,
  };
}

function stampedeTargets(
  get: (name: ScenarioName) => ScenarioResult,
  options: BenchOptions,
): Target[] {
  return (["stampede", "stampede_memory_off"] as const).map((name) => {
    const result = get(name);
    const queries = result.counts.dbQueries;
    return {
      name: `${name}_queries`,
      goal: `${options.stampedeRequests} concurrent requests for one cold token -> 1 database query`,
      measured: `${queries} ${queries === 1 ? "query" : "queries"}`,
      met: result.counts.dbQueries === 1,
    };
  });
}

function distinctTargets(
  get: (name: ScenarioName) => ScenarioResult,
  has: (name: ScenarioName) => boolean,
  options: BenchOptions,
): Target[] {
  const names = (["distinct", "distinct_memory_off"] as const).filter(has);
  return names.map((name) => {
    const result = get(name);
    return {
      name: `${name}_queries`,
      goal: `${options.distinctTokens} tokens -> ${options.distinctTokens} database queries`,
      measured: `${result.counts.dbQueries} queries, at most ${result.counts.maxQueriesPerToken} per token`,
      met:
        result.counts.dbQueries === options.distinctTokens &&
        result.counts.maxQueriesPerToken === 1,
    };
  });
}

// One round trip: a query per miss, and a miss no slower than a hit plus 1.5 round trips, which
// a second sequential database call (2 round trips) would exceed.
function missTarget(
  miss: ScenarioResult,
  memoryHit: ScenarioResult,
  options: BenchOptions,
): Target {
  const extraMs = miss.latency.p50Ms - memoryHit.latency.p50Ms;
  const oneQueryEach = miss.counts.dbQueries === miss.requests;
  return {
    name: "miss_round_trips",
    goal: `each cold miss: 1 query, p50 < memory_hit p50 + 1.5 x ${options.dbDelayMs} ms`,
    measured: `${miss.counts.dbQueries} queries for ${miss.requests} misses, p50 ${formatMs(miss.latency.p50Ms)} ms`,
    met: oneQueryEach && extraMs < 1.5 * options.dbDelayMs + MAX_ADDED_P50_MS,
  };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export function formatMs(value: number): string {
  return value.toFixed(value < 10 ? 2 : 1);
}
