import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createInterface } from "node:readline";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const FUNCTIONS_DIR = path.join(REPO_ROOT, "supabase", "functions");
const HOST_SCRIPT = path.join(REPO_ROOT, "scripts", "local", "functions-host.ts");
/** Generous because a cold start transpiles every module before Deno can cache them. */
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const OUTPUT_TAIL_LINES = 20;
const LISTENING_EVENT = "functions_host.listening";

export interface EdgeFunctionsOptions {
  /** Address to listen on; the local stack always passes 127.0.0.1. */
  host: string;
  /** TCP port; 0 picks a free one, which the returned `url` reports. */
  port: number;
  /** Environment of the functions, for example SUPABASE_URL and UAZAPI_BASE_URL. */
  env: Record<string, string>;
  /** Receives every line the host prints. Without it, lines go to this process's stdout. */
  onLine?: (line: string) => void;
}

export interface EdgeFunctions {
  /** Base URL; each function is served at `${url}/<name>`. */
  url: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * Starts scripts/local/functions-host.ts under Deno and resolves once it listens. Deno may only
 * reach 127.0.0.1 (plus the hosts of the *_URL variables in `env`) and read supabase/functions.
 */
export async function startEdgeFunctions(options: EdgeFunctionsOptions): Promise<EdgeFunctions> {
  const child = spawn(resolveDenoBinary(), buildDenoArguments(options), {
    cwd: FUNCTIONS_DIR,
    env: buildChildEnv(options),
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Stops Deno even when this process exits without calling close(), for example on a crash.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const close = async () => {
    process.off("exit", killOnExit);
    await stopChild(child);
  };
  const output: string[] = [];
  const listening = waitForListeningLine(child, output, options.onLine);
  try {
    const url = await listening;
    return { url, pid: child.pid ?? -1, close };
  } catch (error) {
    await close();
    const tail = output.slice(-OUTPUT_TAIL_LINES).join("\n");
    throw new Error(`The Edge Functions host did not start: ${(error as Error).message}\n${tail}`);
  }
}

/**
 * Finds the Deno executable installed by the `deno` npm package. The executable itself is
 * preferred to node_modules/.bin/deno: before its first run, that entry is a Node wrapper script,
 * and stopping the wrapper by PID would leave Deno running.
 */
export function resolveDenoBinary(): string {
  const binaryName = process.platform === "win32" ? "deno.exe" : "deno";
  const platformPackage =
    process.platform === "linux"
      ? `@deno/linux-${process.arch}-glibc`
      : `@deno/${process.platform}-${process.arch}`;
  const candidates = [
    packageFile("deno", binaryName),
    packageFile(platformPackage, binaryName),
    path.join(REPO_ROOT, "node_modules", ".bin", binaryName),
  ].filter((candidate) => candidate !== undefined);
  const binary = candidates.find((candidate) => existsSync(candidate));
  if (binary === undefined) {
    throw new Error(`No Deno executable found at ${candidates.join(" or ")}. Run npm install.`);
  }
  return binary;
}

/** Returns the path of `fileName` inside an installed npm package, or undefined if it is absent. */
function packageFile(packageName: string, fileName: string): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    return path.join(path.dirname(manifest), fileName);
  } catch {
    return undefined;
  }
}

function buildDenoArguments(options: EdgeFunctionsOptions): string[] {
  return [
    "run",
    "--no-prompt",
    `--config=${path.join(FUNCTIONS_DIR, "deno.json")}`,
    `--allow-net=${allowedHosts(options).join(",")}`,
    "--allow-env",
    `--allow-read=${FUNCTIONS_DIR}`,
    HOST_SCRIPT,
  ];
}

/** Lists the hosts Deno may reach: the listen address, 127.0.0.1 and the host of each *_URL variable. */
function allowedHosts(options: EdgeFunctionsOptions): string[] {
  const hosts = new Set([options.host, "127.0.0.1"]);
  for (const [name, value] of Object.entries(options.env)) {
    if (name.endsWith("_URL") && URL.canParse(value)) {
      hosts.add(new URL(value).hostname);
    }
  }
  return [...hosts];
}

/** Only the given variables plus what Deno needs to find its cache; nothing else leaks in. */
function buildChildEnv(options: EdgeFunctionsOptions): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of ["HOME", "PATH", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = process.env[name];
    if (value !== undefined) {
      inherited[name] = value;
    }
  }
  return {
    ...inherited,
    ...options.env,
    EDGE_FUNCTIONS_HOSTNAME: options.host,
    EDGE_FUNCTIONS_PORT: String(options.port),
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
  };
}

/** Resolves with the URL from the host's listening line; rejects on exit or after the timeout. */
function waitForListeningLine(
  child: ChildProcess,
  output: string[],
  onLine: ((line: string) => void) | undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no listening line within ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    const settle = () => clearTimeout(timer);
    child.once("error", (error) => {
      settle();
      reject(error);
    });
    child.once("exit", (code, signal) => {
      settle();
      reject(new Error(`deno exited with ${signal ?? `code ${code}`}`));
    });
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        output.splice(0, output.length - OUTPUT_TAIL_LINES);
        (onLine ?? ((text: string) => process.stdout.write(`${text}\n`)))(line);
        const url = readListeningUrl(line);
        if (url !== undefined) {
          settle();
          resolve(url);
        }
      });
    }
  });
}

function readListeningUrl(line: string): string | undefined {
  if (!line.includes(LISTENING_EVENT)) {
    return undefined;
  }
  try {
    const event = JSON.parse(line) as { event?: unknown; url?: unknown };
    return event.event === LISTENING_EVENT && typeof event.url === "string" ? event.url : undefined;
  } catch {
    return undefined;
  }
}

/** Sends SIGTERM to the Deno process, then SIGKILL if it has not exited within STOP_TIMEOUT_MS. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
