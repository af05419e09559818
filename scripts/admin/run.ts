import path from "node:path";
import type { Readable } from "node:stream";
import type { CliOptions } from "./args.ts";
import type { PurgeBackend } from "./backend.ts";
import { tokenKey } from "./cache-key.ts";
import { createCloudflareBackend } from "./cloudflare-client.ts";
import { CliError, EXIT_CODES, type ExitCode, UsageError } from "./errors.ts";
import { lookUpInstanceTokens } from "./instance-lookup.ts";
import { type OutputStreams, Reporter } from "./output.ts";
import {
  type Environment,
  readCloudflareSettings,
  readSupabaseSettings,
  readWorkerSettings,
} from "./settings.ts";
import { PurgeTally } from "./tally.ts";
import { readStdinTokens } from "./token-input.ts";
import { createWorkerBackend } from "./worker-client.ts";
import { readNamespaceIdFromFile, TOKEN_CACHE_BINDING } from "./wrangler-config.ts";

const DEFAULT_WRANGLER_CONFIG = path.resolve(import.meta.dirname, "../../wrangler.toml");

/** Process input of a run: the environment and standard input. */
export interface RunInput {
  env: Environment;
  stdin: Readable;
}

/**
 * Runs the purge that the options describe and returns the exit code. Every failure is reported on
 * stderr. With --json, stdout then contains the summary object, whatever the outcome.
 */
export async function runPurge(
  options: CliOptions,
  input: RunInput,
  streams: OutputStreams,
): Promise<ExitCode> {
  const reporter = new Reporter(streams, { json: options.json, listPurgedKeys: !options.all });
  const tally = new PurgeTally(reporter);
  let target: string | undefined;
  let stoppedBy: CliError | undefined;
  try {
    const givenTokens = await readGivenTokens(options, input.stdin);
    const backend = await createBackend(options, input.env, reporter);
    target = backend.target;
    await purgeWith(backend, options, { givenTokens, env: input.env }, { tally, reporter });
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    stoppedBy = error;
    tally.recordError(error.message);
    tally.countRemainingAsFailed();
  }
  const summary = tally.summarize(options.via, options.dryRun);
  reporter.finish(summary, { target, all: options.all, stopped: stoppedBy !== undefined });
  if (stoppedBy !== undefined) return stoppedBy.exitCode;
  return summary.failed > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
}

async function createBackend(
  options: CliOptions,
  env: Environment,
  reporter: Reporter,
): Promise<PurgeBackend> {
  if (options.via === "worker") {
    return createWorkerBackend(readWorkerSettings(env, (message) => reporter.notice(message)));
  }
  const settings = readCloudflareSettings(env);
  const configPath = options.configPath ?? DEFAULT_WRANGLER_CONFIG;
  const lookup = await readNamespaceIdFromFile(configPath, options.env);
  if (lookup.looksLikePlaceholder) {
    const where = options.env === undefined ? "the top level" : `environment ${options.env}`;
    reporter.warn(
      `the ${TOKEN_CACHE_BINDING} namespace id ${lookup.namespaceId} for ${where} in ${configPath} looks like a placeholder; replace it with the id that \`wrangler kv namespace create\` printed`,
    );
  }
  return createCloudflareBackend(settings, lookup.namespaceId);
}

/**
 * Returns the tokens of the arguments and standard input. They are read before any setting or
 * server, so a bad or empty standard input ends the run before it starts and only its error is
 * printed. Throws UsageError when standard input is the only source and contains no token.
 */
async function readGivenTokens(options: CliOptions, stdin: Readable): Promise<string[]> {
  if (!options.stdin) return options.tokens;
  const stdinTokens = await readStdinTokens(stdin);
  const hasOtherSource = options.tokens.length > 0 || options.instanceIds.length > 0;
  if (stdinTokens.length === 0 && !hasOtherSource) {
    throw new UsageError("nothing to purge: standard input contained no tokens");
  }
  return options.tokens.concat(stdinTokens);
}

interface RunOutput {
  tally: PurgeTally;
  reporter: Reporter;
}

/** Tokens read from the command line and standard input, and the environment for lookups. */
interface PurgeInput {
  givenTokens: string[];
  env: Environment;
}

async function purgeWith(
  backend: PurgeBackend,
  options: CliOptions,
  input: PurgeInput,
  { tally, reporter }: RunOutput,
): Promise<void> {
  if (options.all) {
    await (options.dryRun ? backend.listAll(tally) : backend.purgeAll(tally));
    return;
  }
  const tokens = await collectTokens(options, input, { tally, reporter });
  if (options.dryRun) {
    tally.recordListed(tokens.map((token) => tokenKey(token).hash));
    return;
  }
  tally.expectKeys(tokens.length);
  if (tokens.length > 0) await backend.purgeTokens(tokens, tally);
}

/** Gathers the given tokens and those of instance lookups, without repeats. */
async function collectTokens(
  options: CliOptions,
  input: PurgeInput,
  { tally, reporter }: RunOutput,
): Promise<string[]> {
  let tokens = input.givenTokens;
  if (options.instanceIds.length > 0) {
    const settings = readSupabaseSettings(input.env, (message) => reporter.notice(message));
    tokens = tokens.concat(await lookUpInstanceTokens(options.instanceIds, settings, tally));
  }
  return [...new Set(tokens)];
}
