import { readdirSync, readFileSync } from "node:fs";

// Linux reports utime and stime in clock ticks of USER_HZ, which is 100 on mainstream kernels.
const CLOCK_TICKS_PER_SECOND = 100;

interface ProcessStat {
  pid: number;
  name: string;
  parentPid: number;
  cpuSeconds: number;
}

/** Returns the child processes of this process called `name`, or none where /proc is missing. */
export function listChildPids(name: string): Set<number> {
  const pids = new Set<number>();
  for (const stat of readAllStats()) {
    if (stat.parentPid === process.pid && stat.name === name) {
      pids.add(stat.pid);
    }
  }
  return pids;
}

/** Returns the CPU time (user + system) a process has used, or undefined once it has exited. */
export function readCpuSeconds(pid: number): number | undefined {
  return readStat(pid)?.cpuSeconds;
}

function readAllStats(): ProcessStat[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const stats: ProcessStat[] = [];
  for (const entry of entries) {
    const stat = /^[0-9]+$/.test(entry) ? readStat(Number(entry)) : undefined;
    if (stat !== undefined) {
      stats.push(stat);
    }
  }
  return stats;
}

// /proc/<pid>/stat: "pid (comm) state ppid ... utime stime ...". The name may contain spaces
// and brackets, so the fields are split after the last ")".
function readStat(pid: number): ProcessStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  const nameEnd = text.lastIndexOf(")");
  const name = text.slice(text.indexOf("(") + 1, nameEnd);
  const fields = text.slice(nameEnd + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return {
    pid,
    name,
    parentPid: Number(fields[1]),
    cpuSeconds: ticks / CLOCK_TICKS_PER_SECOND,
  };
}
