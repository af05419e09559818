import type { MachineInfo } from "./machine.ts";
import type { MemoryFootprint } from "./memory-footprint.ts";
import type { BenchOptions } from "./options.ts";
import {
  type LatencySummary,
  type RunProblem,
  type ScenarioResult,
  WITHOUT_KV,
} from "./results.ts";
import { type BenchSummary, formatMs, MEMORY_TIER_BUDGET_BYTES } from "./summary.ts";

export interface ReportInput {
  command: string;
  machine: MachineInfo;
  options: BenchOptions;
  results: readonly ScenarioResult[];
  footprint: MemoryFootprint;
  summary: BenchSummary;
  notes: readonly string[];
  problems: readonly RunProblem[];
  elapsedSeconds: number;
}

/** Renders docs/benchmarks.md: the run's figures first, then how each one is measured. */
export function renderReport(input: ReportInput): string {
  return [
    "# Benchmarks",
    "",
    "This page is written by `npm run bench` (`scripts/bench.ts`); edit the script, not the page.",
    "It measures what the gateway adds to a bare proxy on a cache hit, and how many database",
    "queries reach PostgREST, with every figure taken in one run.",
    "",
    ...renderRunFacts(input),
    ...renderProblems(input.problems),
    "## Results",
    "",
    ...renderResultsTable(input.results),
    ...renderTargets(input.summary),
    ...renderFootprint(input.footprint),
    ...renderMethod(input.options),
  ].join("\n");
}

function renderRunFacts({
  command,
  machine,
  options,
  notes,
  elapsedSeconds,
}: ReportInput): string[] {
  const profile = options.quick ? "quick" : "full";
  return [
    "## Last run",
    "",
    `- Command: \`${command}\` (${profile} profile, ${Math.round(elapsedSeconds)} s)`,
    `- Date: ${machine.date}`,
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.nodeVersion}`,
    `- Worker runtime: workerd through Miniflare ${machine.miniflareVersion}; load from autocannon ${machine.autocannonVersion}`,
    `- Gateway source: commit ${machine.commit}`,
    `- Database delay: ${options.dbDelayMs} ms per lookup; ${options.rounds} rounds of ${options.throughputSeconds} s at ${options.connections} connections plus ${options.latencySeconds} s at 1 connection per scenario`,
    ...notes.map((note) => `- Note: ${note}`),
    "",
  ];
}

function renderResultsTable(results: readonly ScenarioResult[]): string[] {
  const header =
    "| scenario | setup | requests | req/s | p50 ms | p99 ms | loaded p50 ms | loaded p99 ms | workerd CPU us/req | DB queries | KV reads | KV writes | non-2xx | errors |";
  const rows = results.map((result) => {
    const cells = [
      `\`${result.name}\``,
      result.setup,
      String(result.requests),
      String(Math.round(result.rps)),
      formatMs(result.latency.p50Ms),
      formatMs(result.latency.p99Ms),
      formatOptionalLatency(result.loadedLatency, "p50Ms"),
      formatOptionalLatency(result.loadedLatency, "p99Ms"),
      result.cpuMicrosecondsPerRequest === undefined
        ? "-"
        : String(Math.round(result.cpuMicrosecondsPerRequest)),
      String(result.counts.dbQueries),
      WITHOUT_KV.has(result.name) ? "-" : String(result.counts.kvReads),
      WITHOUT_KV.has(result.name) ? "-" : String(result.counts.kvWrites),
      String(result.non2xx),
      String(result.errors),
    ];
    return `| ${cells.join(" | ")} |`;
  });
  return [header, `|${"---|".repeat(14)}`, ...rows, "", ...renderRoundNotes(results), ""];
}

function countOf(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

function formatOptionalLatency(
  latency: LatencySummary | undefined,
  key: "p50Ms" | "p99Ms",
): string {
  return latency === undefined ? "-" : formatMs(latency[key]);
}

function renderRoundNotes(results: readonly ScenarioResult[]): string[] {
  const lines = ["req/s of each round, first round first:", ""];
  for (const result of results) {
    if (result.rpsPerRound !== undefined) {
      lines.push(
        `- \`${result.name}\`: ${result.rpsPerRound.map((rps) => Math.round(rps)).join(", ")}`,
      );
    }
  }
  const withStoredKeys = results.filter((result) => result.storedKeysAdded !== undefined);
  lines.push("", "Keys added to the Worker's KV namespace, read back through Miniflare:", "");
  for (const result of withStoredKeys) {
    const keys = countOf(result.storedKeysAdded ?? 0, "key", "keys");
    const perToken = countOf(result.counts.maxQueriesPerToken, "query", "queries");
    lines.push(`- \`${result.name}\`: ${keys}, at most ${perToken} per token`);
  }
  return lines;
}

function renderProblems(problems: readonly RunProblem[]): string[] {
  if (problems.length === 0) {
    return [];
  }
  const lines = [
    "## Failed requests",
    "",
    "Some requests did not get a 2xx response, so this run fails. Runs and Worker messages:",
    "",
  ];
  for (const problem of problems) {
    const statuses = Object.entries(problem.statuses)
      .map(([status, count]) => `${count} x ${status}`)
      .join(", ");
    lines.push(
      `- \`${problem.label}\` on Worker \`${problem.worker}\`: ${problem.non2xx} non-2xx (${statuses || "none"}), ${problem.errors} connection errors, ${problem.timeouts} timeouts`,
    );
    for (const message of problem.workerMessages) {
      lines.push(`  - \`${message.replaceAll("`", "'")}\``);
    }
  }
  return [...lines, ""];
}

function renderTargets({ targets, figures }: BenchSummary): string[] {
  const rows = targets.map(
    (target) =>
      `| ${target.name} | ${target.goal} | ${target.measured} | ${target.met ? "met" : "**missed**"} |`,
  );
  return [
    "## Targets",
    "",
    "The bench exits with 1 when a request fails or when `no_cache_queries`, `stampede_queries`",
    "or `distinct_queries` is missed. The other targets are timings or diagnostics and only show",
    "here.",
    "",
    "| target | goal | measured | result |",
    "|---|---|---|---|",
    ...rows,
    "",
    "Throughput ratios of this run (req/s over req/s; see Limits for what the floor shows):",
    "",
    `- \`memory_hit\` / \`bare\`: ${figures.memory_hit_ratio}`,
    `- \`floor\` / \`bare\`: ${figures.floor_ratio}; \`floor\` accepts every token and reads and parses the body, with no other check`,
    `- \`memory_hit\` / \`floor\`: ${figures.memory_hit_floor_ratio}; the gateway's own checks take the rest (${figures.memory_hit_cpu_us_per_request} against ${figures.floor_cpu_us_per_request} us of workerd CPU per request)`,
    "",
  ];
}

function renderFootprint(footprint: MemoryFootprint): string[] {
  const mebibytes = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const withinBudget = footprint.defaultBoundBytes < MEMORY_TIER_BUDGET_BYTES;
  return [
    "## Memory tier footprint",
    "",
    `A separate Node ${footprint.nodeVersion} process started with \`--expose-gc\` fills the`,
    "gateway's `MemoryCache` (`worker/src/memory-cache.ts`) with entries built as the gateway",
    "builds them: the key is `instance-token:v1:` plus a SHA-256 hex digest, and the value is",
    "the `InstanceRecordSchema` output of a parsed PostgREST row. It reads `heapUsed` after two",
    "forced collections before and after the fill.",
    "",
    `- ${footprint.largeFillEntries} entries: ${mebibytes(footprint.largeFillBytes)} MiB, ${Math.round(footprint.bytesPerEntry)} bytes per entry`,
    `- ${footprint.defaultBoundEntries} entries, the default \`MEMORY_CACHE_MAX_ENTRIES\`: ${mebibytes(footprint.defaultBoundBytes)} MiB, ${withinBudget ? "under" : "over"} the budget of ${mebibytes(MEMORY_TIER_BUDGET_BYTES)} MiB; a Worker isolate may use 128 MB`,
    "",
    "workerd runs a different V8 build from Node, so the figure in an isolate may differ somewhat.",
    "",
  ];
}

function databaseBoundRate({ connections, dbDelayMs }: BenchOptions): string {
  if (dbDelayMs === 0) {
    return "this run has none, so CPU bounds it too.";
  }
  const rate = Math.round((connections * 1000) / dbDelayMs);
  return `${connections} connections and a ${dbDelayMs} ms lookup allow at most about ${rate} req/s.`;
}

// Only the full profile has this row, so only its report explains it.
const LOG_OUTPUT_ROW_METHOD = [
  "- **Log output row.** `memory_hit_no_log_output` is the same gateway with the `console` call",
  "  of `worker/src/logger.ts` removed at bundle time; the log line is still built. It shows",
  "  what writing one JSON line per request costs and plays no part in the targets.",
];

function renderMethod(options: BenchOptions): string[] {
  return [
    "## How each figure is measured",
    "",
    "- **Processes.** Each Worker runs in its own workerd process, started through the Miniflare",
    "  API with `cf: false` and the compatibility date and flags of `wrangler.toml`. Requests reach",
    "  it through a direct socket, with no Miniflare entry Worker in front. The upstream stand-ins",
    "  run in a child Node process on 127.0.0.1; autocannon runs in the main process. Everything",
    "  shares the machine's cores, so the figures compare scenarios with each other and are not",
    "  the capacity of a deployed Worker.",
    "- **Workers.** `bare` forwards the request body to the send-text stand-in with no checks.",
    "  `floor` (`scripts/bench/workers/floor-proxy.ts`) does only what any gateway that reads the",
    "  body must do on a cache hit. It hashes the token, finds the digest in a Map, reads and",
    "  parses the JSON body, sends the same bytes with the function's headers and returns the",
    "  function's response as it came. The Map stands for a warm memory tier, so every token",
    "  counts as found. It has no logging, limits, schema, timeout or error handling.",
    "  The gateway is `worker/src/index.ts`, bundled with esbuild behind a bench-only entry",
    "  (`scripts/bench/workers/counting-gateway.ts`) that only counts KV calls. `memory_hit`,",
    "  `stampede`, `distinct` and `cold_miss` use the default configuration (memory tier of",
    "  10,000 entries for 10 s). `kv_hit` and the `_memory_off` rows set",
    "  `MEMORY_CACHE_MAX_ENTRIES=0`.",
    "- **Uncached design (`no_cache`).** The memory tier is off and the entry binds a KV stand-in",
    "  whose reads always return null and whose writes store nothing, so every request queries the",
    "  database. Its tokens cycle through 5,000 tokens, more than the requests in flight, so",
    "  single-flight never merges two of them.",
    `- **Upstream stand-ins.** The PostgREST stand-in answers only the gateway's lookup shape`,
    "  (`select=id,user_id,name,status&instance_token_sha256=eq.<digest>&limit=2` with the service role",
    `  key) from an in-memory table of generated tokens, after a delay of ${options.dbDelayMs} ms, and counts each`,
    "  query per token. The send-text stand-in answers 200 with `status`, `messageId` and",
    "  `requestId` at once. Any other request counts as rejected and fails the run.",
    "- **requests.** Send-text calls counted by the stand-in during the measured runs. Each",
    "  successful request makes exactly one. When a timed run stops, autocannon closes its",
    "  connections and workerd cancels the requests still in flight, so the database and KV",
    "  counts of a timed run can exceed this by up to one per connection.",
    "- **req/s.** 2xx responses divided by the run's wall time. Throughput scenarios report the",
    "  median over rounds; the others report their single run.",
    "- **Latency.** autocannon times each response with `process.hrtime`, and the bench keeps",
    "  every sample. p50 and p99 of the throughput scenarios come from the one-connection runs,",
    "  which show what a request costs without queueing; the `loaded` columns come from the",
    "  many-connection runs. Stampede, distinct and cold-miss latencies come from their own run.",
    "- **workerd CPU.** User plus system CPU time of the Worker's workerd process, read from",
    "  `/proc/<pid>/stat` before and after the many-connection runs, divided by their responses.",
    "  The Worker's requests run on one thread, so for the rows that keep it busy (`bare`,",
    "  `floor`, `memory_hit`, `kv_hit`) req/s is close to 1 s divided by this figure. `no_cache`",
    `  is bound by the database delay instead: ${databaseBoundRate(options)}`,
    "  The figure includes the work of Miniflare's KV store, which runs in the same process.",
    "- **Database queries.** Counted by the PostgREST stand-in for the scenario's own token",
    "  prefix, as the difference before and after the scenario's runs.",
    "- **KV reads and writes.** Counted inside the Worker's isolate by the bench entry, which",
    "  wraps the `TOKEN_CACHE` binding and counts every `get` and `put` the gateway makes. Counts",
    "  are read once they stop changing, because writes run in `waitUntil` after the response.",
    "  For stampede and distinct, the keys that appeared in the namespace are also listed through",
    "  Miniflare as a cross-check. `no_cache` counts the calls its KV stand-in received, and its",
    "  target counts requests by KV reads because each of its requests reads KV exactly once.",
    "  `distinct` reads KV more often than it has tokens: until a token's one lookup has finished,",
    "  each further request for it misses the memory tier and reads KV before it joins the lookup.",
    "- **Warm scenarios.** Before each round every warm token is sent once, unmeasured. The",
    "  memory tier keeps an entry for 10 s, so a long `memory_hit` round rereads some entries from",
    "  KV, and a KV entry that reaches its 300 s TTL during a run costs one more query.",
    "- **Noise.** Every Worker first runs unmeasured for a few seconds. Then each round runs every",
    "  throughput scenario once, and the order rotates by one scenario per round, so a slow",
    "  spell of the machine spreads over all scenarios.",
    ...(options.diagnosticRows ? LOG_OUTPUT_ROW_METHOD : []),
    "",
    "## Limits",
    "",
    "- The throughput target compares CPU per request more than caching: one isolate runs its",
    "  requests on one thread, and the send-text stand-in answers at once.",
    "  `bare` streams the body through without reading it. A gateway that checks tokens and",
    "  bodies must at least hash the token, read and parse the body and add the function's",
    "  headers, and `floor` / `bare` shows what that alone costs in this run. While that ratio is",
    "  below 0.9, no such gateway can meet the throughput target on this setup. The rest of the",
    "  gap (`memory_hit` / `floor`) is the gateway's own work: header and body limits, the body",
    "  schema, the request id, the send timeout, the check of the function's answer,",
    "  Server-Timing and the log line.",
    "- One isolate serves each Worker. In production many isolates run at once, and the memory",
    "  tier and single-flight are per isolate, so a burst spread over N isolates that all miss KV",
    "  costs up to N queries. KV is shared by all of them.",
    "- Miniflare serves KV from a local store inside the same workerd process, so a KV hit here",
    "  costs a local call and CPU in that process, not a read from Cloudflare's edge cache.",
    "- The send-text stand-in answers at once over loopback, so per-request CPU dominates every",
    "  figure. A deployed send-text call also waits for the provider, so the latency a cache hit",
    "  adds is a smaller share of the whole request there than here.",
    "",
  ];
}
