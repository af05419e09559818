/**
 * `npm run purge`: deletes cached instance-token lookups from the gateway's KV cache. Run it
 * with --help for the options, the environment variables and the exit codes.
 */
import { parseCliArgs } from "./admin/args.ts";
import { EXIT_CODES, UsageError } from "./admin/errors.ts";
import { helpText } from "./admin/help.ts";
import { runPurge } from "./admin/run.ts";

async function main(argv: string[]): Promise<number> {
  let options: ReturnType<typeof parseCliArgs>;
  try {
    options = parseCliArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\nRun npm run purge -- --help for usage.\n`);
    return error.exitCode;
  }
  if (options.help) {
    process.stdout.write(helpText());
    return EXIT_CODES.ok;
  }
  const input = { env: process.env, stdin: process.stdin };
  return runPurge(options, input, { stdout: process.stdout, stderr: process.stderr });
}

main(process.argv.slice(2)).then(
  (exitCode) => {
    process.exitCode = exitCode;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: unexpected failure: ${message}\n`);
    process.exitCode = EXIT_CODES.failed;
  },
);
