/**
 * Measures the heap that the gateway's memory tier uses per entry. Run it with --expose-gc. It
 * prints one JSON object of MemoryFootprint to stdout. Entries are built as the gateway builds
 * them: the key is "instance-token:v1:" plus a SHA-256 hex digest, and the value is the
 * InstanceRecordSchema output of a parsed PostgREST row, wrapped in { instance }.
 */
import { createHash } from "node:crypto";
import * as v from "valibot";
import { InstanceRecordSchema } from "../../worker/src/instance-record.ts";
import { MemoryCache } from "../../worker/src/memory-cache.ts";
import type { MemoryFootprint } from "./memory-footprint.ts";

const LARGE_FILL_ENTRIES = 100_000;
const DEFAULT_BOUND_ENTRIES = 10_000;
const TTL_SECONDS = 60;

type CachedLookup = { instance: v.InferOutput<typeof InstanceRecordSchema> | null };

const collectGarbage = (globalThis as { gc?: () => void }).gc;
if (collectGarbage === undefined) {
  throw new Error("Run this script with node --expose-gc");
}

function heapUsedAfterCollection(): number {
  // Two passes, so objects freed by the first pass's finalizers are collected too.
  collectGarbage?.();
  collectGarbage?.();
  return process.memoryUsage().heapUsed;
}

function buildEntry(serial: number): [string, CachedLookup] {
  const digest = createHash("sha256").update(`bench-memory-token-${serial}`).digest("hex");
  const hexSerial = serial.toString(16).padStart(12, "0");
  const rowText = JSON.stringify([
    {
      id: `00000000-0000-4000-8000-${hexSerial}`,
      user_id: `00000000-0000-4000-9000-${hexSerial}`,
      name: `Instance ${serial}`,
      status: "connected",
    },
  ]);
  const row = (JSON.parse(rowText) as unknown[])[0];
  const instance = v.parse(InstanceRecordSchema, row);
  return [`instance-token:v1:${digest}`, { instance }];
}

/** Returns the heap growth, in bytes, of a cache filled with `entries` entries. */
function measureFill(entries: number): number {
  const before = heapUsedAfterCollection();
  const cache = new MemoryCache<CachedLookup>();
  for (let serial = 0; serial < entries; serial++) {
    const [key, value] = buildEntry(serial);
    cache.set(key, value, { maxEntries: entries, ttlSeconds: TTL_SECONDS });
  }
  const after = heapUsedAfterCollection();
  if (cache.size !== entries) {
    throw new Error(`The cache kept ${cache.size} of ${entries} entries`);
  }
  return after - before;
}

const largeFillBytes = measureFill(LARGE_FILL_ENTRIES);
const defaultBoundBytes = measureFill(DEFAULT_BOUND_ENTRIES);
const footprint: MemoryFootprint = {
  largeFillEntries: LARGE_FILL_ENTRIES,
  largeFillBytes,
  bytesPerEntry: largeFillBytes / LARGE_FILL_ENTRIES,
  defaultBoundEntries: DEFAULT_BOUND_ENTRIES,
  defaultBoundBytes,
  nodeVersion: process.version,
};
process.stdout.write(`${JSON.stringify(footprint)}\n`);
