import autocannon from "autocannon";

export const SEND_TEXT_PATH = "/whatsapp/send-text";
/** Body of every send. The number is a made-up Brazilian mobile number. */
export const SEND_TEXT_BODY = JSON.stringify({ number: "5511987654321", text: "bench message" });
// A response slower than this counts as a timeout and spoils the run.
const RESPONSE_TIMEOUT_SECONDS = 10;
// Added to a run's planned length before it is stopped by force.
const STOP_GRACE_MS = 15_000;
// A run of a fixed number of requests is stopped by force after this long.
const MAX_COUNTED_RUN_MS = 120_000;
const SAMPLE_INTERVAL_MS = 100;

/** How to drive one run: either for a duration or for a number of requests. */
export interface LoadPlan {
  url: string;
  connections: number;
  /** Stops after this many seconds, unless `requests` is set. */
  durationSeconds?: number;
  /** Stops after exactly this many requests. */
  requests?: number;
  /** Returns the token of the next request. It is called once per request, in send order. */
  nextToken: () => string;
}

export interface LoadOutcome {
  /** Responses received, whatever their status. */
  responses: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Status codes other than 2xx and how often each came back. */
  otherStatuses: Record<string, number>;
  elapsedMs: number;
  /** Latency of every 2xx response in milliseconds, measured by autocannon with hrtime. */
  latenciesMs: number[];
}

/**
 * Sends POST /whatsapp/send-text with autocannon and records each response's latency. Each
 * request takes its token from `nextToken`, so the caller decides the order of tokens across
 * all connections.
 */
export async function runLoad(plan: LoadPlan): Promise<LoadOutcome> {
  const latenciesMs: number[] = [];
  let responses = 0;
  const startedAt = performance.now();
  const instance = autocannon({
    url: `${plan.url}${SEND_TEXT_PATH}`,
    connections: plan.connections,
    ...(plan.requests === undefined
      ? { duration: plan.durationSeconds ?? 1 }
      : { amount: plan.requests }),
    // autocannon ends a timed run at its first sample after the duration, and samples once a
    // second by default, which would stretch a 0.5 s run to 1 s.
    sampleInt: SAMPLE_INTERVAL_MS,
    timeout: RESPONSE_TIMEOUT_SECONDS,
    method: "POST",
    body: SEND_TEXT_BODY,
    headers: { "Content-Type": "application/json" },
    requests: [{ setupRequest: (request) => withToken(request, plan.nextToken()) }],
  });
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    responses++;
    if (status >= 200 && status < 300) {
      latenciesMs.push(ms);
    }
  });
  const stopTimer = setTimeout(() => instance.stop(), plannedMs(plan) + STOP_GRACE_MS);
  const result = await instance;
  clearTimeout(stopTimer);
  return {
    responses,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    otherStatuses: otherStatuses(result.statusCodeStats),
    elapsedMs: performance.now() - startedAt,
    latenciesMs,
  };
}

function withToken<T extends { headers?: Record<string, string> }>(request: T, token: string): T {
  return { ...request, headers: { ...request.headers, token } };
}

function plannedMs(plan: LoadPlan): number {
  if (plan.requests !== undefined) {
    return MAX_COUNTED_RUN_MS;
  }
  return (plan.durationSeconds ?? 1) * 1000;
}

function otherStatuses(stats: Record<string, { count: number }>): Record<string, number> {
  const other: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(stats)) {
    if (!status.startsWith("2")) {
      other[status] = count;
    }
  }
  return other;
}

/** Returns a token source that walks `tokens` in order and starts again at the end. */
export function cycleTokens(tokens: readonly string[]): () => string {
  if (tokens.length === 0) {
    throw new RangeError("cycleTokens needs at least one token");
  }
  let next = 0;
  return () => {
    const token = tokens[next] as string;
    next = (next + 1) % tokens.length;
    return token;
  };
}

/** Returns the value below which `fraction` of the sorted samples lie (nearest rank). */
export function percentile(sortedMs: readonly number[], fraction: number): number {
  if (sortedMs.length === 0) {
    return Number.NaN;
  }
  const rank = Math.ceil(fraction * sortedMs.length);
  return sortedMs[Math.min(sortedMs.length, Math.max(1, rank)) - 1] as number;
}
