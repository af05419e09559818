import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const WRANGLER_BIN = path.join(REPO_ROOT, "node_modules", ".bin", "wrangler");
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** Environment that keeps wrangler offline: no metrics, no error reports, no cf.json download. */
const WRANGLER_OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_HIDE_BANNER: "true",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
};

export interface WorkerDevOptions {
  host: string;
  port: number;
  /** Variables and secrets of the Worker; they override wrangler.toml's [vars]. */
  vars: Record<string, string>;
  /** Receives every line the Worker and wrangler print. */
  onLine?: (line: string) => void;
}

export interface WorkerDev {
  url: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * Starts the Worker in workerd through `wrangler dev`, with local KV kept in a fresh temporary
 * folder so that no cache entry outlives the in-memory database of the previous run.
 */
export async function startWorkerDev(options: WorkerDevOptions): Promise<WorkerDev> {
  const stateDir = await mkdtemp(path.join(tmpdir(), "gateway-worker-"));
  const envFile = path.join(stateDir, "worker.env");
  const envText = Object.entries(options.vars)
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join("\n");
  await writeFile(envFile, `${envText}\n`, { mode: 0o600 });

  const child = spawn(
    WRANGLER_BIN,
    [
      "dev",
      "--ip",
      options.host,
      "--port",
      String(options.port),
      "--env-file",
      envFile,
      "--persist-to",
      path.join(stateDir, "state"),
      "--show-interactive-dev-session=false",
      "--inspector-port",
      "0",
      "--log-level",
      "log",
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...WRANGLER_OFFLINE_ENV },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    },
  );
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      output.push(line);
      options.onLine?.(line);
    });
  }

  const url = `http://${options.host}:${options.port}`;
  const close = async () => {
    await stopProcessGroup(child);
    await rm(stateDir, { recursive: true, force: true });
  };
  try {
    await waitUntilHealthy(url, child);
  } catch (error) {
    await close();
    const tail = output.slice(-20).join("\n");
    throw new Error(`The Worker did not start at ${url}: ${(error as Error).message}\n${tail}`);
  }
  return { url, pid: child.pid ?? -1, close };
}

async function waitUntilHealthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler exited with code ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`GET /health did not return 200 within ${READY_TIMEOUT_MS} ms`);
}

/**
 * Stops wrangler and the workerd it started: SIGINT first, as Ctrl-C would, then SIGKILL to the
 * whole process group if it has not exited within STOP_TIMEOUT_MS.
 */
export async function stopProcessGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  signalGroup(child.pid, "SIGINT");
  const timer = setTimeout(() => signalGroup(child.pid as number, "SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
  // workerd may outlive wrangler by a moment; the group is ours alone because it was detached.
  signalGroup(child.pid, "SIGKILL");
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has already exited.
  }
}
