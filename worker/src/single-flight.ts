/** How often a request that joined another request's task checks whether it has finished. */
const JOIN_POLL_INTERVAL_MS = 2;

interface Flight<T> {
  settled: boolean;
  failed: boolean;
  value?: T;
  error?: unknown;
}

/**
 * Shares one running task per key among concurrent callers of the same isolate, so a burst of
 * cache misses for one token sends one database query instead of one per request.
 *
 * Requests that join a running task never await the promise the first request created. workerd
 * ties a promise to the request that made it: a request waiting on another request's promise
 * has no I/O of its own pending, and the runtime cancels it as hung (seen as 500s at 100
 * concurrent connections). Instead each joined request waits on its own timer and reads the
 * shared, plain result record once the task has settled.
 */
export class SingleFlight<T> {
  readonly #running = new Map<string, Flight<T>>();

  /**
   * Starts `task` unless a task for `key` is already running, and returns the shared result.
   * A failure is shared too, but never kept after the task ends. The first caller's
   * `waitUntil` keeps the task running after that caller's client disconnects.
   */
  async run(key: string, task: () => Promise<T>, ctx: ExecutionContext): Promise<T> {
    const running = this.#running.get(key);
    if (running !== undefined) {
      await waitUntilSettled(running);
      return resultOf(running);
    }
    const flight: Flight<T> = { settled: false, failed: false };
    this.#running.set(key, flight);
    const settle = task().then(
      (value) => {
        flight.value = value;
      },
      (error: unknown) => {
        flight.failed = true;
        flight.error = error;
      },
    );
    const done = settle.finally(() => {
      flight.settled = true;
      if (this.#running.get(key) === flight) {
        this.#running.delete(key);
      }
    });
    ctx.waitUntil(done);
    await done;
    return resultOf(flight);
  }
}

async function waitUntilSettled(flight: Flight<unknown>): Promise<void> {
  // The task is bounded by its own timeout (POSTGREST_TIMEOUT_MS), so this loop ends.
  while (!flight.settled) {
    await new Promise((resolve) => setTimeout(resolve, JOIN_POLL_INTERVAL_MS));
  }
}

function resultOf<T>(flight: Flight<T>): T {
  if (flight.failed) {
    throw flight.error;
  }
  return flight.value as T;
}
