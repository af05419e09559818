/**
 * Lets a repeated log event through at most once per interval and counts the repeats it held
 * back, so a misconfiguration hit by every request stays visible without flooding the log.
 */
export class LogThrottle {
  readonly #intervalMs: number;
  readonly #nowMs: () => number;
  #lastLoggedAtMs: number | undefined;
  #suppressedCount = 0;

  /** `nowMs` returns the current time in milliseconds. Tests pass their own clock. */
  constructor(intervalMs: number, nowMs: () => number = () => Date.now()) {
    this.#intervalMs = intervalMs;
    this.#nowMs = nowMs;
  }

  /**
   * Returns the number of repeats held back since the last logged one when this event should
   * be logged, or undefined when it should be dropped.
   */
  admit(): number | undefined {
    const nowMs = this.#nowMs();
    if (this.#lastLoggedAtMs !== undefined && nowMs - this.#lastLoggedAtMs < this.#intervalMs) {
      this.#suppressedCount++;
      return undefined;
    }
    const suppressedCount = this.#suppressedCount;
    this.#lastLoggedAtMs = nowMs;
    this.#suppressedCount = 0;
    return suppressedCount;
  }
}
