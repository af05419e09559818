/**
 * Shares one running task per key among concurrent callers of the same isolate, so a burst of
 * cache misses for one token sends one database query instead of one per request.
 */
export class SingleFlight<T> {
  readonly #running = new Map<string, Promise<T>>();

  /**
   * Starts `task` unless a task for `key` is already running, and returns the shared result.
   * The first caller's `waitUntil` keeps the task running after that caller's client
   * disconnects, so later callers do not wait on a task canceled with the first request.
   */
  run(key: string, task: () => Promise<T>, ctx: ExecutionContext): Promise<T> {
    const running = this.#running.get(key);
    if (running !== undefined) {
      return running;
    }
    const shared: Promise<T> = task().finally(() => {
      if (this.#running.get(key) === shared) {
        this.#running.delete(key);
      }
    });
    this.#running.set(key, shared);
    ctx.waitUntil(shared.then(ignore, ignore));
    return shared;
  }
}

function ignore(): void {}
