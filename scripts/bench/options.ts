import { parseArgs } from "node:util";

/** Settings of one benchmark run; `--quick` and the full run differ only in these numbers. */
export interface BenchOptions {
  quick: boolean;
  /** Only measure the memory tier's heap use per entry, with no load. */
  memoryOnly: boolean;
  /** Delay of every database lookup, standing for a cross-region round trip. */
  dbDelayMs: number;
  /** Rounds of the throughput scenarios; each round runs every scenario once, in a new order. */
  rounds: number;
  /** Length of each throughput run (many connections) and each latency run (one connection). */
  throughputSeconds: number;
  latencySeconds: number;
  /** Connections of the throughput runs. */
  connections: number;
  /** Unmeasured run of each Worker before the first round, so V8 has compiled the hot code. */
  warmupSeconds: number;
  /** Tokens the warm scenarios cycle through. */
  warmTokens: number;
  stampedeRequests: number;
  distinctTokens: number;
  distinctRequestsPerToken: number;
  distinctConnections: number;
  /** Sequential requests with fresh tokens that measure the cost of a cache miss. */
  coldMisses: number;
  /**
   * Adds the diagnostic rows: memory_hit_no_log_output, which measures the cost of writing log
   * lines, and distinct_memory_off, which checks the KV tier alone.
   */
  diagnosticRows: boolean;
}

export const USAGE = `Usage: npm run bench -- [--quick] [--db-delay-ms N] [--memory]

  --quick            shorter runs (2 rounds of 2 s, no diagnostic rows); under a minute
  --db-delay-ms N    delay of each database lookup in milliseconds (default 100)
  --memory           measure only the memory tier's heap use per entry
  --help             show this text`;

const DEFAULT_DB_DELAY_MS = 100;
const MAX_DB_DELAY_MS = 5_000;

const SHARED = {
  dbDelayMs: DEFAULT_DB_DELAY_MS,
  connections: 32,
  warmTokens: 100,
  stampedeRequests: 200,
  distinctTokens: 1_000,
  distinctRequestsPerToken: 20,
  distinctConnections: 100,
};

const QUICK = {
  rounds: 2,
  throughputSeconds: 2,
  latencySeconds: 0.5,
  warmupSeconds: 0.5,
  coldMisses: 20,
  diagnosticRows: false,
};
const FULL = {
  rounds: 5,
  throughputSeconds: 8,
  latencySeconds: 3,
  warmupSeconds: 2,
  coldMisses: 50,
  diagnosticRows: true,
};

/** Parses the command line; throws an Error whose message names the bad option. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean", default: false },
      memory: { type: "boolean", default: false },
      "db-delay-ms": { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    return "help";
  }
  const profile = values.quick ? QUICK : FULL;
  return {
    ...SHARED,
    ...profile,
    quick: values.quick,
    memoryOnly: values.memory,
    dbDelayMs: parseDelay(values["db-delay-ms"]),
  };
}

function parseDelay(value: string | undefined): number {
  if (value === undefined) {
    return DEFAULT_DB_DELAY_MS;
  }
  const delay = Number(value);
  if (!/^[0-9]+$/.test(value) || delay > MAX_DB_DELAY_MS) {
    throw new Error(
      `--db-delay-ms must be a whole number from 0 to ${MAX_DB_DELAY_MS}, got "${value}"`,
    );
  }
  return delay;
}
