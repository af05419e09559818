import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
const execFileAsync = promisify(execFile);

/** Ports of one local stack started by a test; each test file picks its own block of ports. */
export interface StackPorts {
  WORKER_PORT: number;
  SUPABASE_API_PORT: number;
  SUPABASE_DB_PORT: number;
  EDGE_FUNCTIONS_PORT: number;
  WHATSAPP_SANDBOX_PORT: number;
}

/** Returns five ports from `base`, away from the defaults so a running `npm start` is untouched. */
export function portsFrom(base: number): StackPorts {
  return {
    WORKER_PORT: base,
    SUPABASE_API_PORT: base + 1,
    SUPABASE_DB_PORT: base + 2,
    EDGE_FUNCTIONS_PORT: base + 3,
    WHATSAPP_SANDBOX_PORT: base + 4,
  };
}

export interface StackProcess {
  child: ChildProcess;
  ports: StackPorts;
  gatewayUrl: string;
  sandboxUrl: string;
  databaseUrl: string;
  /** Every line the stack printed so far. */
  output: string[];
  /** Sends SIGINT, as Ctrl-C does, and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Binds `port` on 127.0.0.1 and releases it; resolves with the port the system gave. */
function probePort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        resolve(typeof address === "object" && address ? address.port : undefined),
      );
    });
  });
}

/**
 * Returns `preferred` when all its ports are free, or else five ports the system picks, so that
 * two test runs on one machine, or a developer's own stack, do not collide.
 */
async function choosePorts(preferred: StackPorts): Promise<StackPorts> {
  const probes = await Promise.all(Object.values(preferred).map((port) => probePort(port)));
  if (probes.every((port) => port !== undefined)) return preferred;
  const picked: number[] = [];
  while (picked.length < 5) {
    const port = await probePort(0);
    if (port !== undefined && !picked.includes(port)) picked.push(port);
  }
  const [worker, api, database, functions, sandbox] = picked as [
    number,
    number,
    number,
    number,
    number,
  ];
  return {
    WORKER_PORT: worker,
    SUPABASE_API_PORT: api,
    SUPABASE_DB_PORT: database,
    EDGE_FUNCTIONS_PORT: functions,
    WHATSAPP_SANDBOX_PORT: sandbox,
  };
}

/**
 * Runs `scripts/start.ts`, as `npm start` does, and resolves once it prints that it is ready.
 * The stack listens on `preferredPorts` unless one of them is taken, and `ports` of the result
 * contains the ports it listens on.
 */
export async function startStackProcess(
  preferredPorts: StackPorts,
  extraEnv: Record<string, string> = {},
): Promise<StackProcess> {
  const ports = await choosePorts(preferredPorts);
  const portEnv = Object.fromEntries(Object.entries(ports).map(([key, port]) => [key, `${port}`]));
  const child = spawn(path.join(REPO_ROOT, "node_modules", ".bin", "tsx"), ["scripts/start.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...portEnv, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`npm start was not ready in ${START_TIMEOUT_MS} ms:\n${output.join("\n")}`));
    }, START_TIMEOUT_MS);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        output.push(line);
        if (line.startsWith("Local stack ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited with ${code}:\n${output.join("\n")}`));
    });
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    return child.exitCode;
  };

  return {
    child,
    ports,
    gatewayUrl: `http://127.0.0.1:${ports.WORKER_PORT}`,
    sandboxUrl: `http://127.0.0.1:${ports.WHATSAPP_SANDBOX_PORT}`,
    databaseUrl: `postgresql://postgres:postgres@127.0.0.1:${ports.SUPABASE_DB_PORT}/postgres`,
    output,
    stop,
  };
}

/** Runs one SQL statement through psql, the way an operator would, and returns its output. */
export async function runPsql(databaseUrl: string, sql: string): Promise<string> {
  const { stdout } = await execFileAsync(
    "psql",
    [databaseUrl, "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
    { timeout: 10_000 },
  );
  return stdout.trim();
}

/** Posts a send-text request to the gateway. */
export function sendText(
  gatewayUrl: string,
  token: string | undefined,
  body: unknown,
): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== undefined) headers.token = token;
  return fetch(`${gatewayUrl}/whatsapp/send-text`, {
    method: "POST",
    headers,
    body: JSON.stringify(body),
  });
}

/** Returns what the WhatsApp sandbox received, oldest first. */
export async function sandboxMessages(sandboxUrl: string): Promise<unknown[]> {
  const response = await fetch(`${sandboxUrl}/messages`);
  if (response.status !== 200) throw new Error(`GET /messages answered ${response.status}`);
  return (await response.json()) as unknown[];
}
