import { reset } from "cloudflare:test";
import { afterEach, beforeEach, vi } from "vitest";
import { captureLogs, type LogCapture } from "./logs";
import { stubUpstream, type UpstreamStub } from "./upstream";

export interface GatewayTestState {
  upstream: UpstreamStub;
  logs: LogCapture;
}

/**
 * Registers hooks that give every test an empty KV namespace, a fresh upstream stub and a log
 * capture. Read the fields inside a test, after the hooks have run.
 */
export function useGatewayTest(): GatewayTestState {
  const state = {} as GatewayTestState;
  beforeEach(async () => {
    await reset();
    state.logs = captureLogs();
    state.upstream = stubUpstream();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return state;
}
