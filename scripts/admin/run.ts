import path from "node:path";
import type { Readable } from "node:stream";
import type { CliOptions } from "./args.ts";
import type { PurgeBackend } from "./backend.ts";
import { tokenKey } from "./cache-key.ts";
import { createCloudflareBackend } from "./cloudflare-client.ts";
import { CliError, EXIT_CODES, type ExitCode } from "./errors.ts";
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
    const backend = await createBackend(options, input.env, reporter);
    target = backend.target;
    await purgeWith(backend, options, input, { tally, reporter });
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

interface RunOutput {
  tally: PurgeTally;
  reporter: Reporter;
}

async function purgeWith(
  backend: PurgeBackend,
  options: CliOptions,
  input: RunInput,
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

/** Gathers the tokens of the arguments, standard input and instance lookups, without repeats. */
async function collectTokens(
  options: CliOptions,
  input: RunInput,
  { tally, reporter }: RunOutput,
): Promise<string[]> {
  let tokens = options.tokens;
  if (options.stdin) tokens = tokens.concat(await readStdinTokens(input.stdin));
  if (options.instanceIds.length > 0) {
    const settings = readSupabaseSettings(input.env, (message) => reporter.notice(message));
    tokens = tokens.concat(await lookUpInstanceTokens(options.instanceIds, settings, tally));
  }
  return [...new Set(tokens)];
}
