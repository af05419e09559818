import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";
import { readArgumentTokens } from "./token-input.ts";

export const VIA_VALUES = ["worker", "cloudflare"] as const;
export type Via = (typeof VIA_VALUES)[number];

/** The parsed command line. Tokens given as arguments are already trimmed and validated. */
export interface CliOptions {
  help: boolean;
  tokens: string[];
  stdin: boolean;
  instanceIds: string[];
  all: boolean;
  via: Via;
  /** Environment of wrangler.toml whose namespace id --via cloudflare uses; top level if unset. */
  env: string | undefined;
  /** Path of wrangler.toml for --via cloudflare; the repository's when unset. */
  configPath: string | undefined;
  dryRun: boolean;
  json: boolean;
}

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  stdin: { type: "boolean" },
  instance: { type: "string", multiple: true },
  all: { type: "boolean" },
  via: { type: "string" },
  env: { type: "string" },
  config: { type: "string" },
  "dry-run": { type: "boolean" },
  json: { type: "boolean" },
} as const;

type OptionName = keyof typeof OPTIONS;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENV_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
// Only names shaped like a long option are echoed in errors; anything else could be a token.
const ECHOABLE_OPTION = /^--[a-z][a-z-]{0,31}$/;

/**
 * Parses the purge CLI's arguments. Throws UsageError for an unknown option, a missing or invalid
 * value, or a combination that makes no sense. Messages never repeat a token or an option value.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const {
    values,
    positionals,
    tokens: parsedArgs,
  } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (values.help === true) return { ...defaultOptions(), help: true };

  const seen = new Set<string>();
  for (const parsed of parsedArgs) {
    if (parsed.kind === "option") checkOption(parsed, seen);
  }
  const options: CliOptions = {
    help: false,
    tokens: readArgumentTokens(positionals),
    stdin: values.stdin === true,
    instanceIds: readInstanceIds(values.instance),
    all: values.all === true,
    via: readVia(values.via),
    env: readEnvName(values.env),
    configPath: typeof values.config === "string" ? values.config : undefined,
    dryRun: values["dry-run"] === true,
    json: values.json === true,
  };
  checkCombination(options);
  return options;
}

function defaultOptions(): CliOptions {
  return {
    help: false,
    tokens: [],
    stdin: false,
    instanceIds: [],
    all: false,
    via: "worker",
    env: undefined,
    configPath: undefined,
    dryRun: false,
    json: false,
  };
}

/** One option as parseArgs reports it with `tokens: true`. */
interface ParsedOption {
  name: string;
  rawName: string;
  index: number;
  value?: string | undefined;
  inlineValue?: boolean | undefined;
}

function checkOption(option: ParsedOption, seen: Set<string>): void {
  const { name, rawName, index, value, inlineValue } = option;
  if (!Object.hasOwn(OPTIONS, name)) {
    const optionLabel = ECHOABLE_OPTION.test(rawName) ? rawName : `in argument ${index + 1}`;
    throw new UsageError(
      `unknown option ${optionLabel}; run with --help for the options, and pass a token that begins with - after --`,
    );
  }
  const spec = OPTIONS[name as OptionName];
  const display = `--${name}`;
  if (spec.type === "boolean" && inlineValue === true) {
    throw new UsageError(`${display} takes no value`);
  }
  if (spec.type === "string" && (value === undefined || (!inlineValue && value.startsWith("-")))) {
    throw new UsageError(`${display} needs a value, as in ${display} <value>`);
  }
  if (!("multiple" in spec) && seen.has(name)) {
    throw new UsageError(`${display} was given more than once; give it once`);
  }
  seen.add(name);
}

function readInstanceIds(values: unknown): string[] {
  const ids = Array.isArray(values) ? values.filter((id) => typeof id === "string") : [];
  for (const [index, id] of ids.entries()) {
    if (!UUID_PATTERN.test(id)) {
      throw new UsageError(
        `--instance value ${index + 1} is not a UUID; expected an instance id such as 00000000-0000-4000-8000-00000000b001`,
      );
    }
  }
  return ids.map((id) => id.toLowerCase());
}

function readVia(value: unknown): Via {
  if (value === undefined) return "worker";
  const via = VIA_VALUES.find((candidate) => candidate === value);
  if (via === undefined) {
    throw new UsageError(`--via must be ${VIA_VALUES.join(" or ")}`);
  }
  return via;
}

function readEnvName(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !ENV_NAME_PATTERN.test(value)) {
    throw new UsageError(
      "--env must name a wrangler.toml environment: 1 to 64 letters, digits, _ or -",
    );
  }
  return value;
}

function checkCombination(options: CliOptions): void {
  const hasTokenSource =
    options.tokens.length > 0 || options.stdin || options.instanceIds.length > 0;
  if (options.all && hasTokenSource) {
    throw new UsageError(
      "--all purges every key; do not combine it with tokens, --stdin or --instance",
    );
  }
  if (!options.all && !hasTokenSource) {
    throw new UsageError("nothing to purge: give tokens, --stdin, --instance <uuid> or --all");
  }
  if (options.via !== "cloudflare" && options.env !== undefined) {
    throw new UsageError("--env applies only to --via cloudflare");
  }
  if (options.via !== "cloudflare" && options.configPath !== undefined) {
    throw new UsageError("--config applies only to --via cloudflare");
  }
}
