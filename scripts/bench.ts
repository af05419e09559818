/**
 * `npm run bench`: measures the gateway against a bare proxy, counts database queries and KV
 * operations for every scenario, writes docs/benchmarks.md, and prints one JSON object of
 * figures as the last line of stdout. Progress goes to stderr. Exits with 1 when a request
 * gets a non-2xx response or an error, or when a count target of the default configuration or
 * of the uncached baseline is missed.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { runBurstScenarios } from "./bench/bursts.ts";
import { startEnvironment } from "./bench/environment.ts";
import { describeMachine } from "./bench/machine.ts";
import { type MemoryFootprint, measureMemoryFootprint } from "./bench/memory-footprint.ts";
import { type BenchOptions, parseBenchOptions, USAGE } from "./bench/options.ts";
import { renderReport } from "./bench/report.ts";
import { ProblemLog, type ScenarioResult } from "./bench/results.ts";
import { type BenchSummary, summarize } from "./bench/summary.ts";
import { runThroughputScenarios } from "./bench/throughput.ts";

const REPORT_PATH = path.resolve(import.meta.dirname, "../docs/benchmarks.md");
// Count targets of the default configuration and of the baseline: missing one means the
// caching or the measurement is wrong, not slow. The memory-off rows are reported, not enforced.
const COUNT_TARGETS = new Set(["no_cache_queries", "stampede_queries", "distinct_queries"]);

const startedAtMs = performance.now();

function progress(message: string): void {
  const seconds = ((performance.now() - startedAtMs) / 1000).toFixed(1).padStart(5);
  process.stderr.write(`[bench ${seconds} s] ${message}\n`);
}

async function runScenarios(options: BenchOptions, problems: ProblemLog) {
  progress("starting the upstream stand-ins and the Workers");
  const environment = await startEnvironment(options);
  try {
    const throughput = await runThroughputScenarios(environment, options, problems, progress);
    const bursts = await runBurstScenarios(environment, options, problems, progress);
    return { results: [...throughput, ...bursts], notes: environment.notes };
  } finally {
    await environment.close();
  }
}

function printSummary(results: readonly ScenarioResult[], summary: BenchSummary): void {
  for (const result of results) {
    const { dbQueries, kvReads, kvWrites } = result.counts;
    process.stdout.write(
      `${result.name.padEnd(26)} ${String(Math.round(result.rps)).padStart(6)} req/s  ` +
        `p50 ${result.latency.p50Ms.toFixed(2)} ms  p99 ${result.latency.p99Ms.toFixed(2)} ms  ` +
        `db ${dbQueries}  kv ${kvReads}r/${kvWrites}w\n`,
    );
  }
  for (const target of summary.targets) {
    process.stdout.write(
      `${target.met ? "met   " : "MISSED"} ${target.name}: ${target.measured}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(summary.figures)}\n`);
}

function reportProblems({ problems }: ProblemLog): void {
  for (const problem of problems) {
    progress(
      `FAILED ${problem.label} on ${problem.worker}: ${problem.non2xx} non-2xx ` +
        `${JSON.stringify(problem.statuses)}, ${problem.errors} connection errors, ` +
        `${problem.timeouts} timeouts`,
    );
    for (const message of problem.workerMessages) {
      progress(`  Worker stderr: ${message}`);
    }
  }
}

async function runMemoryOnly(): Promise<void> {
  const footprint: MemoryFootprint = await measureMemoryFootprint();
  process.stdout.write(`${JSON.stringify(footprint)}\n`);
}

async function runBenchmark(options: BenchOptions, argv: readonly string[]): Promise<number> {
  const machine = describeMachine();
  progress("measuring the memory tier footprint");
  const footprint = await measureMemoryFootprint();
  const problems = new ProblemLog();
  const { results, notes } = await runScenarios(options, problems);

  const summary = summarize({ results, problems: problems.problems, footprint, options });
  const command = ["npm run bench", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" ");
  const elapsedSeconds = (performance.now() - startedAtMs) / 1000;
  const report = renderReport({
    command,
    machine,
    options,
    results,
    footprint,
    summary,
    notes,
    problems: problems.problems,
    elapsedSeconds,
  });
  await writeFile(REPORT_PATH, report);
  progress(`wrote ${path.relative(process.cwd(), REPORT_PATH)}`);
  printSummary(results, summary);

  reportProblems(problems);
  const missedCounts = summary.targets.filter(
    (target) => COUNT_TARGETS.has(target.name) && !target.met,
  );
  return missedCounts.length === 0 && problems.problems.length === 0 ? 0 : 1;
}

async function main(argv: readonly string[]): Promise<number> {
  const options = parseBenchOptions(argv);
  if (options === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options.memoryOnly) {
    await runMemoryOnly();
    return 0;
  }
  return runBenchmark(options, argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`bench failed: ${message}\n`);
    process.exitCode = 1;
  },
);
