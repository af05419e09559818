import { reset } from "cloudflare:test";
import { afterEach, beforeEach, vi } from "vitest";
import { invalidateMemoryTier } from "../../src/memory-tier";
import { captureLogs, type LogCapture } from "./logs";
import { stubUpstream, type UpstreamStub } from "./upstream";

export interface GatewayTestState {
  upstream: UpstreamStub;
  logs: LogCapture;
}

/**
 * Registers hooks that give every test an empty KV namespace, an empty memory tier, a fresh
 * upstream stub and a log capture. Read the fields inside a test, after the hooks have run.
 */
export function useGatewayTest(): GatewayTestState {
  const state = {} as GatewayTestState;
  beforeEach(async () => {
    await reset();
    // The memory tier is module state, so it outlives a test unless it is cleared.
    invalidateMemoryTier();
    state.logs = captureLogs();
    state.upstream = stubUpstream();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
  return state;
}
