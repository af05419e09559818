import type { PGlite } from "@electric-sql/pglite";

/** Time between the end of one check of the queue and the start of the next. */
const DEFAULT_POLL_INTERVAL_MS = 50;
/** Requests taken from the queue at once; the default of pg_net's setting pg_net.batch_size. */
const BATCH_SIZE = 200;
/** close() waits at most this long for a database call that a psql transaction holds up. */
const CLOSE_TIMEOUT_MS = 2_000;

export interface PgNetWorkerOptions {
  /** Milliseconds between two checks of net.http_request_queue; a positive integer. */
  pollIntervalMs?: number;
  /** Receives one JSON line per sent request and per error. Without it, lines go to stdout. */
  onLine?(line: string): void;
}

export interface PgNetWorker {
  /** Stops polling and abandons the requests still in flight, which get no response row. */
  close(): Promise<void>;
}

/** A row of net.http_request_queue. */
interface QueuedRequest {
  id: number;
  method: string;
  url: string;
  headers: Record<string, unknown>;
  body: Uint8Array | null;
  timeout_milliseconds: number;
}

/** The columns of net._http_response that a delivery fills. */
interface RequestOutcome {
  statusCode: number | null;
  contentType: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timedOut: boolean;
  errorMessage: string | null;
}

/**
 * Starts the local stand-in for pg_net's background worker. It takes the requests that
 * net.http_post() queued in net.http_request_queue, deletes them from the queue, sends each one
 * with its own timeout, and stores the outcome in net._http_response. Like pg_net, it sends each
 * request once: a failure, a timeout or an error status is recorded, never retried.
 *
 * Only committed requests are sent. PGlite is a single Postgres session, and this worker's
 * queries take PGlite's transaction lock like every other in-process query, which a psql client
 * also holds for the whole of its transaction (see postgres-server.ts). So the worker never runs
 * while a transaction is open, and a rolled-back request is gone before it looks. The lock is
 * never held while a request is in flight, so the Supabase API stand-in keeps serving requests.
 *
 * NOTE: rows of net._http_response are kept until the database closes, whereas pg_net deletes
 * them after pg_net.ttl (6 hours by default). The local stack's database lives in memory, so
 * this only matters for a stack that runs for days.
 */
export function startPgNetWorker(db: PGlite, options: PgNetWorkerOptions = {}): PgNetWorker {
  const pollIntervalMs = readPollInterval(options.pollIntervalMs);
  const writeLine = options.onLine ?? ((line: string) => process.stdout.write(`${line}\n`));
  const stopping = new AbortController();
  const tasks = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let lastPollError: string | undefined;

  const track = (task: Promise<void>) => {
    tasks.add(task);
    void task.finally(() => tasks.delete(task));
  };

  async function poll(): Promise<void> {
    try {
      const requests = await takeQueuedRequests(db, stopping.signal);
      lastPollError = undefined;
      for (const request of requests) {
        track(deliver(db, request, stopping.signal, writeLine));
      }
    } catch (error) {
      const message = describeError(error);
      // A broken queue fails every poll the same way, so only a new message is logged.
      if (!stopping.signal.aborted && message !== lastPollError) {
        lastPollError = message;
        writeLine(JSON.stringify({ level: "error", event: "pg_net.poll_failed", error: message }));
      }
    }
    if (!stopping.signal.aborted) {
      timer = setTimeout(() => track(poll()), pollIntervalMs);
    }
  }

  track(poll());
  return {
    async close() {
      stopping.abort();
      clearTimeout(timer);
      let deadline: NodeJS.Timeout | undefined;
      const timeout = new Promise((resolve) => {
        deadline = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      });
      await Promise.race([Promise.allSettled([...tasks]), timeout]);
      clearTimeout(deadline);
    },
  };
}

function readPollInterval(value: number | undefined): number {
  if (value === undefined) return DEFAULT_POLL_INTERVAL_MS;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`Invalid pollIntervalMs ${value}: expected a positive integer.`);
  }
  return value;
}

/**
 * Deletes up to BATCH_SIZE requests from the queue and returns them, oldest first. The cheap
 * check for an empty queue runs on its own, so an idle poll costs one short query.
 */
async function takeQueuedRequests(db: PGlite, stopSignal: AbortSignal): Promise<QueuedRequest[]> {
  const check = await db.query<{ pending: boolean }>(
    "select exists (select from net.http_request_queue) as pending",
  );
  if (check.rows[0]?.pending !== true) return [];
  return await db.transaction(async (tx) => {
    // A request taken after close() would be lost, so it stays queued.
    if (stopSignal.aborted) return [];
    const taken = await tx.query<QueuedRequest>(
      `delete from net.http_request_queue
       where id in (select id from net.http_request_queue order by id limit $1)
       returning id, method, url, headers, body, timeout_milliseconds`,
      [BATCH_SIZE],
    );
    return taken.rows.sort((left, right) => left.id - right.id);
  });
}

/** Sends one request, stores its outcome and logs it. Never rejects. */
async function deliver(
  db: PGlite,
  request: QueuedRequest,
  stopSignal: AbortSignal,
  writeLine: (line: string) => void,
): Promise<void> {
  const startedAt = performance.now();
  const outcome = await send(request, stopSignal);
  const durationMs = Math.round(performance.now() - startedAt);
  const line: Record<string, unknown> = {
    level: isSuccess(outcome.statusCode) ? "info" : "warn",
    event: "pg_net.request_completed",
    netRequestId: request.id,
    method: request.method,
    url: describeUrl(request.url),
    status: outcome.statusCode,
    durationMs,
  };
  if (outcome.errorMessage !== null) line.error = outcome.errorMessage;
  if (stopSignal.aborted && outcome.statusCode === null) {
    writeLine(JSON.stringify({ ...line, event: "pg_net.request_abandoned" }));
    return;
  }
  try {
    await recordOutcome(db, request.id, outcome);
  } catch (error) {
    line.level = "error";
    line.recordError = describeError(error);
  }
  writeLine(JSON.stringify(line));
}

/** Sends the request once. A redirect is recorded as the response, not followed (curl's default). */
async function send(request: QueuedRequest, stopSignal: AbortSignal): Promise<RequestOutcome> {
  const timeoutMs = request.timeout_milliseconds;
  const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), stopSignal]);
  try {
    const response = await fetch(request.url, {
      method: request.method,
      headers: toHeaderRecord(request.headers),
      body: request.method === "GET" || request.body === null ? undefined : toBody(request.body),
      redirect: "manual",
      signal,
    });
    // The timeout signal also covers reading the body.
    const content = await response.text();
    return {
      statusCode: response.status,
      contentType: response.headers.get("content-type"),
      headers: fromHeaders(response.headers),
      content,
      timedOut: false,
      errorMessage: null,
    };
  } catch (error) {
    const timedOut = error instanceof Error && error.name === "TimeoutError";
    let errorMessage = describeError(error);
    if (timedOut) errorMessage = `Timeout of ${timeoutMs} ms reached`;
    else if (stopSignal.aborted) errorMessage = "The worker stopped before the response arrived";
    return { ...EMPTY_OUTCOME, timedOut, errorMessage };
  }
}

const EMPTY_OUTCOME: RequestOutcome = {
  statusCode: null,
  contentType: null,
  headers: null,
  content: null,
  timedOut: false,
  errorMessage: null,
};

async function recordOutcome(db: PGlite, id: number, outcome: RequestOutcome): Promise<void> {
  await db.query(
    `insert into net._http_response
       (id, status_code, content_type, headers, content, timed_out, error_msg)
     values ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
    [
      id,
      outcome.statusCode,
      outcome.contentType,
      outcome.headers === null ? null : JSON.stringify(outcome.headers),
      outcome.content,
      outcome.timedOut,
      outcome.errorMessage,
    ],
  );
}

function toHeaderRecord(headers: Record<string, unknown>): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    record[name] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return record;
}

/** Copies the bytes into an ArrayBuffer-backed array, the type that fetch accepts. */
function toBody(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}

function fromHeaders(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {};
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

function isSuccess(statusCode: number | null): boolean {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

/** Returns the URL without its query string, which may carry values that do not belong in a log. */
function describeUrl(url: string): string {
  return URL.canParse(url) ? `${new URL(url).origin}${new URL(url).pathname}` : "(invalid URL)";
}

/** Node's fetch reports network errors as "fetch failed" with the reason in `cause`. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.cause instanceof Error) return `${error.message}: ${error.cause.message}`;
  return error.message;
}
