import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

/** Facts about the machine and the gateway source of a run, for the report. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  nodeVersion: string;
  miniflareVersion: string;
  autocannonVersion: string;
  /** Short commit hash, with "+ uncommitted changes" when worker/src differs from it. */
  commit: string;
  date: string;
}

export function describeMachine(): MachineInfo {
  return {
    cpuModel: readCpuModel(),
    cores: availableParallelism(),
    nodeVersion: process.version,
    miniflareVersion: readPackageVersion("miniflare"),
    autocannonVersion: readPackageVersion("autocannon"),
    commit: describeCommit(),
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
}

function readCpuModel(): string {
  try {
    const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
    return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown (no /proc/cpuinfo)";
  }
}

function readPackageVersion(name: string): string {
  try {
    const manifest = readFileSync(
      path.join(REPO_ROOT, "node_modules", name, "package.json"),
      "utf8",
    );
    return (JSON.parse(manifest) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function describeCommit(): string {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
    const hash = git("rev-parse", "--short", "HEAD");
    const changed = git("status", "--porcelain", "--", "worker/src") !== "";
    return changed ? `${hash} + uncommitted changes in worker/src` : hash;
  } catch {
    return "unknown (not a git checkout)";
  }
}
