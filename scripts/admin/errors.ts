/** Exit codes of the purge CLI. */
export const EXIT_CODES = {
  /** Every key was purged, or the dry run listed them. */
  ok: 0,
  /** Some keys were not purged, or an instance lookup failed. */
  failed: 1,
  /** Invalid usage or configuration, including credentials that a server rejected. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/**
 * An expected failure that ends the run with `exitCode`. Its message is printed as is, so it
 * must never contain a token or a secret.
 */
export class CliError extends Error {
  override readonly name: string = "CliError";
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A bad option, argument or token on standard input; exit code 2. */
export class UsageError extends CliError {
  override readonly name = "UsageError";

  constructor(message: string) {
    super(message, EXIT_CODES.usage);
  }
}

/** A missing or invalid setting, or credentials that a server rejected; exit code 2. */
export class ConfigError extends CliError {
  override readonly name = "ConfigError";

  constructor(message: string) {
    super(message, EXIT_CODES.usage);
  }
}

/** A failure that stops the run before every key was handled; exit code 1. */
export class PurgeError extends CliError {
  override readonly name = "PurgeError";

  constructor(message: string) {
    super(message, EXIT_CODES.failed);
  }
}
