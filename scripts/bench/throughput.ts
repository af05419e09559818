import {
  addCounts,
  type CountSnapshot,
  countDelta,
  emptyCounts,
  takeSettledSnapshot,
} from "./counters.ts";
import type { BenchEnvironment } from "./environment.ts";
import { cycleTokens, type LoadOutcome, runLoad } from "./load.ts";
import type { BenchOptions } from "./options.ts";
import {
  median,
  type ProblemLog,
  requestsPerSecond,
  type ScenarioName,
  type ScenarioResult,
  summarizeLatency,
} from "./results.ts";
import { allTokens, type TokenSet } from "./tokens.ts";
import type { BenchWorker } from "./worker-runtime.ts";

const WARM_CONNECTIONS = 4;

interface ThroughputScenario {
  name: ScenarioName;
  setup: string;
  worker: BenchWorker;
  tokens: TokenSet;
  /** Sends each token once before every round, unmeasured, so the round starts with hits. */
  touchTokensFirst: boolean;
  nextToken: () => string;
}

interface RunSettings {
  environment: BenchEnvironment;
  options: BenchOptions;
  problems: ProblemLog;
}

interface Accumulated {
  rpsPerRound: number[];
  latenciesMs: number[];
  loadedLatenciesMs: number[];
  requests: number;
  counts: CountSnapshot;
  cpuSeconds: number | undefined;
  cpuRequests: number;
  non2xx: number;
  errors: number;
}

/**
 * Runs the steady-load scenarios in rounds. Each round runs every scenario once, and the order
 * rotates from round to round, so a slow spell of a shared machine spreads over all scenarios
 * instead of landing on one. Each scenario's turn is a throughput run (many connections) then a
 * latency run (one connection).
 */
export async function runThroughputScenarios(
  environment: BenchEnvironment,
  options: BenchOptions,
  problems: ProblemLog,
  progress: (message: string) => void,
): Promise<ScenarioResult[]> {
  const run: RunSettings = { environment, options, problems };
  const scenarios = defineScenarios(environment);
  progress("warming up every Worker");
  for (const scenario of scenarios) {
    await warmUp(scenario, run);
  }
  const totals = new Map(scenarios.map((scenario) => [scenario.name, emptyAccumulated()]));
  for (let round = 0; round < options.rounds; round++) {
    for (const scenario of rotate(scenarios, round)) {
      progress(`round ${round + 1}/${options.rounds}: ${scenario.name}`);
      const total = totals.get(scenario.name) as Accumulated;
      await runTurn(scenario, run, total);
    }
  }
  return scenarios.map((scenario) => summarize(scenario, totals.get(scenario.name) as Accumulated));
}

function defineScenarios({ workers, tokens }: BenchEnvironment): ThroughputScenario[] {
  const scenario = (
    name: ScenarioName,
    worker: BenchWorker,
    set: TokenSet,
    touchTokensFirst: boolean,
    setup: string,
  ): ThroughputScenario => {
    const nextToken = cycleTokens(allTokens(set));
    return { name, setup, worker, tokens: set, touchTokensFirst, nextToken };
  };
  const warm = tokens.warm;
  const list = [
    scenario("bare", workers.bare, warm, false, "bare forwarding Worker, no token check"),
    scenario("floor", workers.floor, warm, false, "least work of a gateway that reads the body"),
    scenario("memory_hit", workers.memoryTier, warm, true, "gateway, memory tier on, warm"),
    scenario("kv_hit", workers.kvOnly, warm, true, "gateway, memory tier off, warm KV"),
    scenario(
      "no_cache",
      workers.uncached,
      tokens.noCache,
      false,
      "gateway, no memory tier, KV always missing",
    ),
  ];
  if (workers.memoryTierNoLogOutput !== undefined) {
    const setup = "as memory_hit, console output of log lines patched out";
    list.push(
      scenario("memory_hit_no_log_output", workers.memoryTierNoLogOutput, warm, true, setup),
    );
  }
  return list;
}

async function warmUp(scenario: ThroughputScenario, { options, problems }: RunSettings) {
  const outcome = await runLoad({
    url: scenario.worker.url,
    connections: options.connections,
    durationSeconds: options.warmupSeconds,
    nextToken: scenario.nextToken,
  });
  problems.record(`${scenario.name} warm-up`, outcome, scenario.worker);
}

async function runTurn(scenario: ThroughputScenario, run: RunSettings, total: Accumulated) {
  const { environment, options, problems } = run;
  const { worker, tokens, nextToken } = scenario;
  const upstreamUrl = environment.upstream.url;
  if (scenario.touchTokensFirst) {
    await touchTokens(scenario, problems);
  }
  const before = await takeSettledSnapshot(upstreamUrl, worker, tokens.prefix);
  const loaded = await runLoad({
    url: worker.url,
    connections: options.connections,
    durationSeconds: options.throughputSeconds,
    nextToken,
  });
  problems.record(scenario.name, loaded, worker);
  const middle = await takeSettledSnapshot(upstreamUrl, worker, tokens.prefix);

  const single = await runLoad({
    url: worker.url,
    connections: 1,
    durationSeconds: options.latencySeconds,
    nextToken,
  });
  problems.record(`${scenario.name} (one connection)`, single, worker);
  const after = await takeSettledSnapshot(upstreamUrl, worker, tokens.prefix);
  addTurn(total, loaded, single, countDelta(before, middle), countDelta(before, after));
}

async function touchTokens(scenario: ThroughputScenario, problems: ProblemLog): Promise<void> {
  const outcome = await runLoad({
    url: scenario.worker.url,
    connections: WARM_CONNECTIONS,
    requests: scenario.tokens.count,
    nextToken: cycleTokens(allTokens(scenario.tokens)),
  });
  problems.record(`${scenario.name} token warm-up`, outcome, scenario.worker);
}

function addTurn(
  total: Accumulated,
  loaded: LoadOutcome,
  single: LoadOutcome,
  loadedCounts: CountSnapshot,
  turnCounts: CountSnapshot,
): void {
  total.rpsPerRound.push(requestsPerSecond(loaded));
  appendAll(total.loadedLatenciesMs, loaded.latenciesMs);
  appendAll(total.latenciesMs, single.latenciesMs);
  // The stand-in's count includes requests still in flight when autocannon stopped, which the
  // database counts include too; autocannon's response counts leave them out.
  total.requests += turnCounts.sends;
  total.counts = addCounts(total.counts, turnCounts);
  total.cpuSeconds =
    total.cpuSeconds === undefined || loadedCounts.cpuSeconds === undefined
      ? undefined
      : total.cpuSeconds + loadedCounts.cpuSeconds;
  total.cpuRequests += loaded.responses;
  total.non2xx += loaded.non2xx + single.non2xx;
  total.errors += loaded.errors + loaded.timeouts + single.errors + single.timeouts;
}

function summarize(scenario: ThroughputScenario, total: Accumulated): ScenarioResult {
  const cpu = total.cpuSeconds;
  return {
    name: scenario.name,
    setup: scenario.setup,
    requests: total.requests,
    rps: median(total.rpsPerRound),
    rpsPerRound: total.rpsPerRound,
    latency: summarizeLatency(total.latenciesMs),
    loadedLatency: summarizeLatency(total.loadedLatenciesMs),
    cpuMicrosecondsPerRequest: cpu === undefined ? undefined : (cpu * 1e6) / total.cpuRequests,
    counts: total.counts,
    non2xx: total.non2xx,
    errors: total.errors,
  };
}

function emptyAccumulated(): Accumulated {
  return {
    rpsPerRound: [],
    latenciesMs: [],
    loadedLatenciesMs: [],
    requests: 0,
    counts: emptyCounts(),
    cpuSeconds: 0,
    cpuRequests: 0,
    non2xx: 0,
    errors: 0,
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const offset = by % items.length;
  return [...items.slice(offset), ...items.slice(0, offset)];
}

// Spreading tens of thousands of samples into push() would exceed the argument limit.
function appendAll(target: number[], values: readonly number[]): void {
  for (const value of values) {
    target.push(value);
  }
}
