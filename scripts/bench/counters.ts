import { WITHOUT_KV } from "./results.ts";
import { fetchUpstreamCounters } from "./upstream.ts";
import type { BenchWorker } from "./worker-runtime.ts";

// KV writes run in waitUntil after the response, so counts are read once they stop moving.
const SETTLE_POLL_MS = 50;
const SETTLE_TIMEOUT_MS = 3_000;

/** Counters of a Worker and of the stand-ins at one moment. The difference of two is a run. */
export interface CountSnapshot {
  /** Database lookups for tokens of the scenario's token prefix. */
  dbQueries: number;
  /** Distinct tokens of the prefix that were looked up at least once. */
  tokensQueried: number;
  maxQueriesPerToken: number;
  /** Every database lookup, whatever the token; a warm scenario must add none. */
  allDbQueries: number;
  sends: number;
  rejected: number;
  kvReads: number;
  kvWrites: number;
  logLines: number;
  cpuSeconds: number | undefined;
}

/** Reads every counter of a Worker and of the stand-ins, for the tokens of `prefix`. */
export async function takeSnapshot(
  upstreamUrl: string,
  worker: BenchWorker,
  prefix: string,
): Promise<CountSnapshot> {
  const upstream = await fetchUpstreamCounters(upstreamUrl, prefix);
  const kv = WITHOUT_KV.has(worker.name)
    ? { reads: 0, writes: 0 }
    : await worker.readKvOperations();
  return {
    dbQueries: upstream.prefixLookups,
    tokensQueried: upstream.prefixTokens,
    maxQueriesPerToken: upstream.prefixMaxLookupsPerToken,
    allDbQueries: upstream.lookups,
    sends: upstream.sends,
    rejected: upstream.rejected,
    kvReads: kv.reads,
    kvWrites: kv.writes,
    logLines: worker.logLineCount(),
    cpuSeconds: worker.readCpuSeconds(),
  };
}

/** Takes snapshots until two in a row agree, so writes still running after a run are counted. */
export async function takeSettledSnapshot(
  upstreamUrl: string,
  worker: BenchWorker,
  prefix: string,
): Promise<CountSnapshot> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  let previous = await takeSnapshot(upstreamUrl, worker, prefix);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS));
    const current = await takeSnapshot(upstreamUrl, worker, prefix);
    if (isSettled(previous, current) || Date.now() > deadline) {
      return current;
    }
    previous = current;
  }
}

function isSettled(previous: CountSnapshot, current: CountSnapshot): boolean {
  return (
    previous.allDbQueries === current.allDbQueries &&
    previous.sends === current.sends &&
    previous.kvReads === current.kvReads &&
    previous.kvWrites === current.kvWrites
  );
}

/**
 * Returns `after - before` for every counter. The per-token maximum and the token count are
 * taken from `after`, because each scenario looks up tokens no earlier run has used.
 */
export function countDelta(before: CountSnapshot, after: CountSnapshot): CountSnapshot {
  const cpuSeconds =
    before.cpuSeconds === undefined || after.cpuSeconds === undefined
      ? undefined
      : after.cpuSeconds - before.cpuSeconds;
  return {
    dbQueries: after.dbQueries - before.dbQueries,
    tokensQueried: after.tokensQueried - before.tokensQueried,
    maxQueriesPerToken: after.maxQueriesPerToken,
    allDbQueries: after.allDbQueries - before.allDbQueries,
    sends: after.sends - before.sends,
    rejected: after.rejected - before.rejected,
    kvReads: after.kvReads - before.kvReads,
    kvWrites: after.kvWrites - before.kvWrites,
    logLines: after.logLines - before.logLines,
    cpuSeconds,
  };
}

export function emptyCounts(): CountSnapshot {
  return {
    dbQueries: 0,
    tokensQueried: 0,
    maxQueriesPerToken: 0,
    allDbQueries: 0,
    sends: 0,
    rejected: 0,
    kvReads: 0,
    kvWrites: 0,
    logLines: 0,
    cpuSeconds: 0,
  };
}

/** Adds two deltas; the per-token maximum is the larger of the two. */
export function addCounts(total: CountSnapshot, more: CountSnapshot): CountSnapshot {
  const cpuSeconds =
    total.cpuSeconds === undefined || more.cpuSeconds === undefined
      ? undefined
      : total.cpuSeconds + more.cpuSeconds;
  return {
    dbQueries: total.dbQueries + more.dbQueries,
    tokensQueried: total.tokensQueried + more.tokensQueried,
    maxQueriesPerToken: Math.max(total.maxQueriesPerToken, more.maxQueriesPerToken),
    allDbQueries: total.allDbQueries + more.allDbQueries,
    sends: total.sends + more.sends,
    rejected: total.rejected + more.rejected,
    kvReads: total.kvReads + more.kvReads,
    kvWrites: total.kvWrites + more.kvWrites,
    logLines: total.logLines + more.logLines,
    cpuSeconds,
  };
}
