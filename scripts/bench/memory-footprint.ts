import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const runFile = promisify(execFile);
const CHILD_TIMEOUT_MS = 60_000;

/** Heap the memory tier holds, measured in a separate Node process with --expose-gc. */
export interface MemoryFootprint {
  largeFillEntries: number;
  /** heapUsed after filling `largeFillEntries` entries minus heapUsed before, both after GC. */
  largeFillBytes: number;
  bytesPerEntry: number;
  /** Entries of the default MEMORY_CACHE_MAX_ENTRIES, filled and measured the same way. */
  defaultBoundEntries: number;
  defaultBoundBytes: number;
  nodeVersion: string;
}

/** Runs memory-footprint-child.ts in a fresh process, so no other heap use mixes in. */
export async function measureMemoryFootprint(): Promise<MemoryFootprint> {
  const child = fileURLToPath(new URL("./memory-footprint-child.ts", import.meta.url));
  const { stdout } = await runFile(
    process.execPath,
    ["--expose-gc", "--import", import.meta.resolve("tsx"), child],
    { timeout: CHILD_TIMEOUT_MS },
  );
  const lastLine = stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(lastLine) as MemoryFootprint;
}
