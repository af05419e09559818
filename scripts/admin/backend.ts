import type { Via } from "./args.ts";
import type { PurgeTally } from "./tally.ts";

/**
 * A way to delete cached token lookups: through the Worker's admin endpoint, or through
 * Cloudflare's KV API. Each method records what it did in the tally. It throws a CliError when
 * it cannot go on, such as for rejected credentials or an unreachable server.
 */
export interface PurgeBackend {
  readonly via: Via;
  /** Purge target phrase for messages, such as "through the Worker at http://127.0.0.1:8787". */
  readonly target: string;
  /** Purges the cache keys of trimmed, valid, distinct tokens. */
  purgeTokens(tokens: readonly string[], tally: PurgeTally): Promise<void>;
  /** Purges every key under the token cache prefix. */
  purgeAll(tally: PurgeTally): Promise<void>;
  /** Lists every key under the token cache prefix without changing anything. */
  listAll(tally: PurgeTally): Promise<void>;
}
