import type { BenchOptions } from "./options.ts";
import { WITHOUT_KV } from "./results.ts";
import { type TokenSet, tokenSet } from "./tokens.ts";
import type { RunningUpstream } from "./upstream.ts";
import { launchUpstream } from "./upstream-launcher.ts";
import {
  bundleBareProxy,
  bundleCountingGateway,
  bundleFloorProxy,
  type SourcePatch,
} from "./worker-bundle.ts";
import { type BenchWorker, startBenchWorker } from "./worker-runtime.ts";

/** Local-only credentials of the bench; no deployment uses them. */
export const BENCH_SERVICE_ROLE_KEY = "bench-service-role-key";
const BENCH_GATEWAY_SHARED_SECRET = "bench-gateway-shared-secret";
// More tokens than requests in flight, so no two concurrent uncached requests share a token
// and single-flight never merges them.
const NO_CACHE_TOKENS = 5_000;

/**
 * Removes the console call of the gateway's logger, so the JSON lines are still built but never
 * written. The row it makes shows what writing the log line of a request costs, and no target
 * uses it.
 */
export const LOG_OUTPUT_PATCH: SourcePatch = {
  file: "worker/src/logger.ts",
  search: "console[CONSOLE_METHOD[level]](line);",
  replace: "void line;",
};

export interface TokenSets {
  warm: TokenSet;
  noCache: TokenSet;
  stampede: TokenSet;
  stampedeMemoryOff: TokenSet;
  distinct: TokenSet;
  distinctMemoryOff: TokenSet;
  coldMiss: TokenSet;
}

/** One Worker per configuration; each runs in its own workerd process. */
export interface BenchWorkers {
  /** Forwards to send-text with no checks: the floor. */
  bare: BenchWorker;
  /** A Worker with only the work any gateway that reads the body must do on a cache hit. */
  floor: BenchWorker;
  /** The gateway as deployed by default: memory tier on (10,000 entries, 10 s), then KV. */
  memoryTier: BenchWorker;
  /** The gateway with MEMORY_CACHE_MAX_ENTRIES=0, so every lookup reads KV first. */
  kvOnly: BenchWorker;
  /** The gateway with the memory tier off and a KV binding that never stores anything. */
  uncached: BenchWorker;
  /**
   * Like memoryTier, with LOG_OUTPUT_PATCH applied. Undefined in the quick profile, and when
   * the patch no longer fits the logger's source.
   */
  memoryTierNoLogOutput: BenchWorker | undefined;
}

export interface BenchEnvironment {
  upstream: RunningUpstream;
  workers: BenchWorkers;
  tokens: TokenSets;
  /** Remarks for the report, e.g. why the log-output row is missing. */
  notes: string[];
  close(): Promise<void>;
}

export function createTokenSets(options: BenchOptions): TokenSets {
  return {
    warm: tokenSet("warm", options.warmTokens),
    noCache: tokenSet("nocache", NO_CACHE_TOKENS),
    stampede: tokenSet("stampede", 1),
    stampedeMemoryOff: tokenSet("stampede-memory-off", 1),
    distinct: tokenSet("distinct", options.distinctTokens),
    distinctMemoryOff: tokenSet("distinct-memory-off", options.distinctTokens),
    coldMiss: tokenSet("miss", options.coldMisses),
  };
}

/** Starts the upstream stand-ins and one Worker per configuration; closes all on failure. */
export async function startEnvironment(options: BenchOptions): Promise<BenchEnvironment> {
  const tokens = createTokenSets(options);
  const upstream = await launchUpstream({
    dbDelayMs: options.dbDelayMs,
    serviceRoleKey: BENCH_SERVICE_ROLE_KEY,
    tokenSets: Object.values(tokens),
  });
  const started: BenchWorker[] = [];
  const closeAll = async () => {
    await Promise.allSettled(started.map((worker) => worker.close()));
    await upstream.close();
  };
  try {
    const notes: string[] = [];
    const track = (worker: BenchWorker) => started.push(worker);
    const workers = await startWorkers(upstream.url, options.diagnosticRows, notes, track);
    return { upstream, workers, tokens, notes, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

async function startWorkers(
  upstreamUrl: string,
  withLogOutputRow: boolean,
  notes: string[],
  track: (worker: BenchWorker) => void,
): Promise<BenchWorkers> {
  const gatewayScript = await bundleCountingGateway();
  const gatewayBindings = {
    SUPABASE_URL: upstreamUrl,
    SUPABASE_SERVICE_ROLE_KEY: BENCH_SERVICE_ROLE_KEY,
    GATEWAY_SHARED_SECRET: BENCH_GATEWAY_SHARED_SECRET,
  };
  // Started one at a time, so that each Worker's workerd process can be found for its CPU time.
  const start = async (name: string, script: string, bindings: Record<string, string>) => {
    const withKv = !WITHOUT_KV.has(name);
    const worker = await startBenchWorker({ name, script, bindings, withKv });
    track(worker);
    return worker;
  };
  const sendTextUrl = `${upstreamUrl}/functions/v1/send-text`;
  const bare = await start("bare", await bundleBareProxy(), { SEND_TEXT_URL: sendTextUrl });
  const floor = await start("floor", await bundleFloorProxy(), { SEND_TEXT_URL: sendTextUrl });
  const memoryTier = await start("memory-tier", gatewayScript, gatewayBindings);
  const memoryOff = { ...gatewayBindings, MEMORY_CACHE_MAX_ENTRIES: "0" };
  const kvOnly = await start("kv-only", gatewayScript, memoryOff);
  const uncachedBindings = { ...memoryOff, BENCH_KV_MODE: "always-miss" };
  const uncached = await start("uncached", gatewayScript, uncachedBindings);
  const noLogScript = withLogOutputRow ? await bundleWithoutLogOutput(notes) : undefined;
  const memoryTierNoLogOutput =
    noLogScript === undefined
      ? undefined
      : await start("memory-tier-no-log-output", noLogScript, gatewayBindings);
  return { bare, floor, memoryTier, kvOnly, uncached, memoryTierNoLogOutput };
}

async function bundleWithoutLogOutput(notes: string[]): Promise<string | undefined> {
  try {
    return await bundleCountingGateway({ patches: [LOG_OUTPUT_PATCH] });
  } catch (error) {
    notes.push(`The log-output row was skipped: ${(error as Error).message}`);
    return undefined;
  }
}
