import type { ExecProtocolOptionsStream, PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** Clients (psql sessions, GUI tools) that may be connected at the same time. */
const MAX_CLIENT_CONNECTIONS = 8;

// Wire-protocol message types (first byte of a message) that this module looks at.
const READY_FOR_QUERY = 0x5a; // "Z", sent by the server when a query or a pipeline is complete
const TERMINATE = 0x58; // "X", sent by a client that closes the session
const SIMPLE_QUERY = 0x51; // "Q"
const READY_FOR_QUERY_LENGTH = 6; // type byte, Int32 length 5, transaction status byte
const IDLE = 0x49; // "I", the ReadyForQuery status of a session outside any transaction

export interface PostgresServerOptions {
  host: string;
  /** TCP port; 0 picks a free one, which the returned handle reports. */
  port: number;
}

export interface PostgresServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the PGlite database over the Postgres wire protocol, so that psql and other clients can
 * connect with `postgresql://postgres:postgres@<host>:<port>/postgres`.
 *
 * There is no authentication. Any user name, password and database name are accepted and
 * ignored, and every session runs as the superuser `postgres` in database `postgres`. SSL is
 * refused, so clients fall back to plain TCP (psql does unless sslmode=require).
 *
 * PGlite is a single Postgres session, which socket clients and in-process queries share; see
 * {@link guardSocketTransactions} for how they are kept apart.
 */
export async function startPostgresServer(
  db: PGlite,
  options: PostgresServerOptions,
): Promise<PostgresServer> {
  const server = new PGLiteSocketServer({
    db: guardSocketTransactions(db),
    host: options.host,
    port: options.port,
    maxConnections: MAX_CLIENT_CONNECTIONS,
  });
  await server.start();
  const port = Number(server.getServerConn().split(":").at(-1));
  return { port, close: () => server.stop() };
}

/**
 * Wraps the database handed to the socket server so that a socket client's transaction never
 * mixes with in-process work (the Supabase API stand-in, the migrations).
 *
 * Every PGlite query() and transaction() takes PGlite's transaction lock, but pglite-socket 0.2
 * runs each wire message under the query lock only. Without this wrapper an in-process
 * transaction could run in the middle of a psql transaction, inside it, and its COMMIT would
 * commit the psql work as well. So the first message of a socket client takes the transaction
 * lock, and the lock is held until the server reports the session idle again (ReadyForQuery
 * with status "I"). Queries in autocommit mode hold it for one statement only.
 *
 * NOTE: while a psql session keeps a transaction open (BEGIN without COMMIT), every in-process
 * query waits for it, since PGlite has one session and cannot run both. Extended-protocol
 * pipelines (Parse, Bind, Execute, then Sync) are weaker spots: a client that drops its
 * connection before Sync leaves the lock held until the next socket message, and two socket
 * clients are kept apart only by pglite-socket's queue, which does not separate pipelines.
 * psql sends only simple queries, so neither happens with psql.
 */
function guardSocketTransactions(db: PGlite): PGlite {
  let releaseLock: (() => void) | undefined;
  let lastOutputTail: Uint8Array = new Uint8Array(0);
  let lastMessageType = 0;

  async function takeLock(): Promise<void> {
    if (releaseLock !== undefined) return;
    await new Promise<void>((locked) => {
      void db._runExclusiveTransaction(
        () =>
          new Promise<void>((release) => {
            releaseLock = release;
            locked();
          }),
      );
    });
  }

  function releaseLockIfIdle(): void {
    if (releaseLock === undefined || db.isInTransaction()) return;
    const idle = lastMessageType === TERMINATE || endsWithReadyForQuery(lastOutputTail, IDLE);
    if (!idle) return;
    releaseLock();
    releaseLock = undefined;
  }

  async function runExclusive<T>(run: () => Promise<T>): Promise<T> {
    await takeLock();
    try {
      return await db.runExclusive(run);
    } finally {
      releaseLockIfIdle();
    }
  }

  async function execProtocolRawStream(
    message: Uint8Array,
    options: ExecProtocolOptionsStream,
  ): Promise<void> {
    lastMessageType = message[0] ?? 0;
    lastOutputTail = new Uint8Array(0);
    await db.execProtocolRawStream(message, {
      ...options,
      onRawData: (data) => {
        lastOutputTail = keepTail(lastOutputTail, data, READY_FOR_QUERY_LENGTH);
        options.onRawData(data);
      },
    });
  }

  // pglite-socket calls exec() only to roll back the open transaction of a client that
  // disconnected. PGlite's own exec() would wait for the transaction lock that this wrapper
  // holds for that client, so the rollback runs as a wire message instead.
  async function exec(sql: string): Promise<[]> {
    await runExclusive(() =>
      execProtocolRawStream(encodeSimpleQuery(sql), { onRawData: () => undefined }),
    );
    return [];
  }

  const overrides: Record<string, unknown> = { runExclusive, execProtocolRawStream, exec };
  return new Proxy(db, {
    get(target, property) {
      if (typeof property === "string" && Object.hasOwn(overrides, property)) {
        return overrides[property];
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function endsWithReadyForQuery(tail: Uint8Array, status: number): boolean {
  return (
    tail.length === READY_FOR_QUERY_LENGTH &&
    tail[0] === READY_FOR_QUERY &&
    tail[1] === 0 &&
    tail[2] === 0 &&
    tail[3] === 0 &&
    tail[4] === 5 &&
    tail[5] === status
  );
}

function keepTail(previous: Uint8Array, data: Uint8Array, length: number): Uint8Array {
  if (data.length >= length) return data.slice(data.length - length);
  const joined = new Uint8Array(previous.length + data.length);
  joined.set(previous);
  joined.set(data, previous.length);
  return joined.slice(Math.max(0, joined.length - length));
}

function encodeSimpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, "utf8");
  const message = Buffer.alloc(5 + text.length);
  message.writeUInt8(SIMPLE_QUERY, 0);
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}
