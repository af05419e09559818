import { countDelta, takeSettledSnapshot } from "./counters.ts";
import type { BenchEnvironment } from "./environment.ts";
import { cycleTokens, type LoadPlan, runLoad } from "./load.ts";
import type { BenchOptions } from "./options.ts";
import {
  type ProblemLog,
  requestsPerSecond,
  type ScenarioName,
  type ScenarioResult,
  summarizeLatency,
} from "./results.ts";
import { allTokens, shuffledIndexes, type TokenSet, tokenAt } from "./tokens.ts";
import type { BenchWorker } from "./worker-runtime.ts";

/**
 * Scenarios that count database queries for tokens no earlier run has seen: a burst of
 * concurrent requests for one cold token, many tokens in random order, and single misses.
 */
export async function runBurstScenarios(
  environment: BenchEnvironment,
  options: BenchOptions,
  problems: ProblemLog,
  progress: (message: string) => void,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const burst of defineBursts(environment, options)) {
    progress(burst.name);
    results.push(await runCounted(environment.upstream.url, burst, problems));
  }
  return results;
}

function defineBursts({ workers, tokens }: BenchEnvironment, options: BenchOptions): CountedRun[] {
  const stampedeSetup = `${options.stampedeRequests} concurrent requests, one cold token`;
  const distinctSetup = `${options.distinctTokens} cold tokens x ${options.distinctRequestsPerToken} requests, random order`;
  const bursts: CountedRun[] = [
    {
      name: "stampede",
      worker: workers.memoryTier,
      tokens: tokens.stampede,
      setup: `${stampedeSetup}, memory tier on`,
      plan: stampedePlan(tokens.stampede, options),
    },
    {
      name: "stampede_memory_off",
      worker: workers.kvOnly,
      tokens: tokens.stampedeMemoryOff,
      setup: `${stampedeSetup}, memory tier off`,
      plan: stampedePlan(tokens.stampedeMemoryOff, options),
    },
    {
      name: "distinct",
      worker: workers.memoryTier,
      tokens: tokens.distinct,
      setup: `${distinctSetup}, memory tier on`,
      plan: distinctPlan(tokens.distinct, options),
    },
  ];
  if (options.diagnosticRows) {
    bursts.push({
      name: "distinct_memory_off",
      worker: workers.kvOnly,
      tokens: tokens.distinctMemoryOff,
      setup: `${distinctSetup}, memory tier off`,
      plan: distinctPlan(tokens.distinctMemoryOff, options),
    });
  }
  bursts.push({
    name: "cold_miss",
    worker: workers.memoryTier,
    tokens: tokens.coldMiss,
    setup: "one connection, a new token per request",
    plan: {
      connections: 1,
      requests: options.coldMisses,
      nextToken: cycleTokens(allTokens(tokens.coldMiss)),
    },
  });
  return bursts;
}

// Every request has its own connection and is sent as soon as that connection opens, so all
// of them arrive while the first lookup still waits on the database.
function stampedePlan(set: TokenSet, options: BenchOptions): Omit<LoadPlan, "url"> {
  const token = tokenAt(set, 0);
  return {
    connections: options.stampedeRequests,
    requests: options.stampedeRequests,
    nextToken: () => token,
  };
}

function distinctPlan(set: TokenSet, options: BenchOptions): Omit<LoadPlan, "url"> {
  const perToken = options.distinctRequestsPerToken;
  const order = shuffledIndexes(set.count * perToken).map((index) =>
    tokenAt(set, index % set.count),
  );
  return {
    connections: options.distinctConnections,
    requests: order.length,
    nextToken: cycleTokens(order),
  };
}

interface CountedRun {
  name: ScenarioName;
  worker: BenchWorker;
  tokens: TokenSet;
  setup: string;
  plan: Omit<LoadPlan, "url">;
}

async function runCounted(
  upstreamUrl: string,
  { name, worker, tokens, setup, plan }: CountedRun,
  problems: ProblemLog,
): Promise<ScenarioResult> {
  const keysBefore = await worker.countStoredKeys();
  const before = await takeSettledSnapshot(upstreamUrl, worker, tokens.prefix);
  const outcome = await runLoad({ ...plan, url: worker.url });
  problems.record(name, outcome, worker);
  const after = await takeSettledSnapshot(upstreamUrl, worker, tokens.prefix);
  const keysAfter = await worker.countStoredKeys();
  const counts = countDelta(before, after);
  return {
    name,
    setup,
    requests: counts.sends,
    rps: requestsPerSecond(outcome),
    latency: summarizeLatency(outcome.latenciesMs),
    counts,
    storedKeysAdded: keysAfter - keysBefore,
    non2xx: outcome.non2xx,
    errors: outcome.errors + outcome.timeouts,
  };
}
