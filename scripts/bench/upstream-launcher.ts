import { type ChildProcess, fork } from "node:child_process";
import type { TokenSet } from "./tokens.ts";
import type { RunningUpstream } from "./upstream.ts";

export interface UpstreamChildSettings {
  dbDelayMs: number;
  serviceRoleKey: string;
  tokenSets: TokenSet[];
}

const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** Starts the upstream stand-ins in a child process and returns their base URL. */
export async function launchUpstream(settings: UpstreamChildSettings): Promise<RunningUpstream> {
  const child = fork(new URL("./upstream-child.ts", import.meta.url), [JSON.stringify(settings)], {
    execArgv: ["--import", import.meta.resolve("tsx")],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const url = await waitForUrl(child);
    return { url, close: () => stopChild(child) };
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`The upstream stand-ins did not start within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once("message", (message) => {
      clearTimeout(timer);
      resolve((message as { url: string }).url);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The upstream stand-ins exited with code ${code} before they started`));
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.disconnect();
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
