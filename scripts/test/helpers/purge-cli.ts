import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
const CLI_TIMEOUT_MS = 20_000;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `scripts/purge-token.ts` as `npm run purge` does, with only PATH and HOME inherited, so
 * the caller's GATEWAY_URL or CLOUDFLARE_* variables cannot leak in.
 */
export function runPurgeCli(
  args: string[],
  env: Record<string, string> = {},
  stdin = "",
): Promise<CliRun> {
  const child = spawn(
    path.join(REPO_ROOT, "node_modules", ".bin", "tsx"),
    ["scripts/purge-token.ts", ...args],
    {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`purge-token did not exit within ${CLI_TIMEOUT_MS} ms:\n${stderr}`));
    }, CLI_TIMEOUT_MS);
    child.once("error", reject);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** First 8 hex characters of a token's SHA-256, as the CLI prints it. */
export function tokenHash8(token: string): string {
  return tokenDigest(token).slice(0, 8);
}

/** Returns the KV key name of a token's cached lookup. */
export function tokenCacheKeyName(token: string): string {
  return `instance-token:v1:${tokenDigest(token)}`;
}

function tokenDigest(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
