import type { Via } from "./args.ts";

/** Receives each event of a run as it happens, to show it. */
export interface TallyListener {
  onKeys(action: "purged" | "listed", hashes: readonly string[]): void;
  onFailure(message: string): void;
  onProgress(text: string): void;
}

/** Outcome of a run, and the body of --json output. Keys appear only as 8-hex-character hashes. */
export interface PurgeSummary {
  purged: number;
  failed: number;
  keys: string[];
  dryRun: boolean;
  via: Via;
  errors: string[];
}

/** Counts the keys a run purged, listed or failed to purge, and passes each event on. */
export class PurgeTally {
  purged = 0;
  failed = 0;
  readonly keys: string[] = [];
  readonly errors: string[] = [];
  private expectedTotal: number | undefined;

  constructor(private readonly listener: TallyListener) {}

  /** Records keys deleted, known by their hashes. */
  recordPurged(hashes: readonly string[]): void {
    this.purged += hashes.length;
    this.appendKeys(hashes);
    this.listener.onKeys("purged", hashes);
  }

  /** Records keys deleted when only their number is known, as a page of --all through the Worker. */
  recordPurgedCount(count: number): void {
    this.purged += count;
  }

  /** Records keys that a dry run would purge. */
  recordListed(hashes: readonly string[]): void {
    this.appendKeys(hashes);
    this.listener.onKeys("listed", hashes);
  }

  /** Records `count` keys that were not purged (0 when unknown) and why. */
  recordFailed(count: number, message: string): void {
    this.failed += count;
    this.recordError(message);
  }

  /** Records an error that ended the run. */
  recordError(message: string): void {
    this.errors.push(message);
    this.listener.onFailure(message);
  }

  /** Announces that `count` more keys are about to be purged, for countRemainingAsFailed. */
  expectKeys(count: number): void {
    this.expectedTotal = this.purged + this.failed + count;
  }

  /** Counts the announced keys that were neither purged nor failed as failed, after a run stopped. */
  countRemainingAsFailed(): void {
    if (this.expectedTotal === undefined) return;
    this.failed += Math.max(0, this.expectedTotal - this.purged - this.failed);
  }

  progress(text: string): void {
    this.listener.onProgress(text);
  }

  summarize(via: Via, dryRun: boolean): PurgeSummary {
    const { purged, failed, keys, errors } = this;
    return { purged, failed, keys: [...keys], dryRun, via, errors: [...errors] };
  }

  // A loop rather than push(...hashes): spreading tens of thousands of items can overflow the stack.
  private appendKeys(hashes: readonly string[]): void {
    for (const hash of hashes) this.keys.push(hash);
  }
}

/** Formats a few hashes for a message, as "6ca13d52, 1f0e2a9b and 3 more". */
export function describeHashes(hashes: readonly string[], maxListed = 5): string {
  const listed = hashes.slice(0, maxListed).join(", ");
  const rest = hashes.length - maxListed;
  return rest > 0 ? `${listed} and ${rest} more` : listed;
}
