import { readFileSync } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { listChildPids, readCpuSeconds } from "./process-cpu.ts";
import { KV_OPERATIONS_PATH, type KvOperationCounts } from "./workers/counting-gateway.ts";

const WRANGLER_TOML = path.resolve(import.meta.dirname, "../../wrangler.toml");
const STDERR_TAIL_LINES = 50;
const KV_LIST_PAGE_SIZE = 1000;
const WORKERD_PROCESS_NAME = "workerd";

export interface BenchWorkerOptions {
  /** Worker name, used in error messages and as the Miniflare worker name. */
  name: string;
  /** ES module source of the Worker. */
  script: string;
  bindings: Record<string, string>;
  /** Binds an empty KV namespace as TOKEN_CACHE. */
  withKv: boolean;
}

export interface BenchWorker {
  name: string;
  url: string;
  /** Counts from the counting gateway entry; a bare Worker has none. */
  readKvOperations(): Promise<KvOperationCounts>;
  /** Number of keys stored in the TOKEN_CACHE namespace, read through Miniflare. */
  countStoredKeys(): Promise<number>;
  /**
   * CPU time the Worker's workerd process has used. Undefined without /proc, or when more than
   * one workerd process started with this Worker.
   */
  readCpuSeconds(): number | undefined;
  /** Lines the Worker has written to stdout and stderr, mostly its JSON log lines. */
  logLineCount(): number;
  stderrTail(): string[];
  close(): Promise<void>;
}

/**
 * Runs one Worker in its own workerd process. Requests reach it through a direct socket, with
 * no Miniflare entry Worker in front, as a deployed Worker is reached. The compatibility date
 * and flags are those of wrangler.toml.
 */
export async function startBenchWorker(options: BenchWorkerOptions): Promise<BenchWorker> {
  const output = { lines: 0, stderrTail: [] as string[] };
  // Workers start one at a time, so the one new workerd child is this Worker's.
  const runningBefore = listChildPids(WORKERD_PROCESS_NAME);
  const miniflare = new Miniflare({
    name: options.name,
    modules: true,
    script: options.script,
    ...readCompatibility(),
    cf: false,
    host: "127.0.0.1",
    port: 0,
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    bindings: options.bindings,
    kvNamespaces: options.withKv ? { TOKEN_CACHE: `${options.name}-token-cache` } : {},
    handleRuntimeStdio: (stdout, stderr) => {
      countLines(stdout, output, false);
      countLines(stderr, output, true);
    },
  });
  const url = (await miniflare.unsafeGetDirectURL(options.name)).origin;
  const started = [...listChildPids(WORKERD_PROCESS_NAME)].filter((pid) => !runningBefore.has(pid));
  const pid = started.length === 1 ? started[0] : undefined;
  return {
    name: options.name,
    url,
    readKvOperations: () => readKvOperations(url),
    countStoredKeys: () => countStoredKeys(miniflare),
    readCpuSeconds: () => (pid === undefined ? undefined : readCpuSeconds(pid)),
    logLineCount: () => output.lines,
    stderrTail: () => [...output.stderrTail],
    close: () => miniflare.dispose(),
  };
}

function readCompatibility(): { compatibilityDate: string; compatibilityFlags: string[] } {
  const toml = readFileSync(WRANGLER_TOML, "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1] ?? "";
  if (date === undefined) {
    throw new Error(`No compatibility_date found in ${WRANGLER_TOML}`);
  }
  return {
    compatibilityDate: date,
    compatibilityFlags: [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1] as string),
  };
}

// Counting newlines in each chunk keeps the cost of a log line low in this process, which also
// runs the load generator.
function countLines(
  stream: Readable,
  output: { lines: number; stderrTail: string[] },
  keepTail: boolean,
): void {
  stream.on("data", (chunk: Buffer) => {
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) {
      output.lines++;
    }
    if (keepTail) {
      output.stderrTail.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      output.stderrTail.splice(0, Math.max(0, output.stderrTail.length - STDERR_TAIL_LINES));
    }
  });
}

async function readKvOperations(url: string): Promise<KvOperationCounts> {
  const response = await fetch(`${url}${KV_OPERATIONS_PATH}`);
  if (!response.ok) {
    throw new Error(
      `Reading the KV operation counts at ${url} failed with HTTP ${response.status}`,
    );
  }
  return (await response.json()) as KvOperationCounts;
}

async function countStoredKeys(miniflare: Miniflare): Promise<number> {
  const namespace = await miniflare.getKVNamespace("TOKEN_CACHE");
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await namespace.list({ limit: KV_LIST_PAGE_SIZE, cursor });
    count += page.keys.length;
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor !== undefined);
  return count;
}
