/**
 * Bench-only Worker entry around the gateway. It puts a counting wrapper in place of the
 * TOKEN_CACHE binding, so every KV call the gateway makes is counted in the isolate, and it
 * returns the counts on GET /__bench/kv-operations. Everything else reaches the gateway
 * unchanged. It runs in workerd and is typed structurally, so the Node-side type check needs no
 * Workers types.
 */

export const KV_OPERATIONS_PATH = "/__bench/kv-operations";

/** KV calls the gateway made through TOKEN_CACHE since the isolate started. */
export interface KvOperationCounts {
  reads: number;
  writes: number;
  deletes: number;
  lists: number;
}

/**
 * "store" passes every call on to the real namespace. "always-miss" stores nothing: reads
 * return null and writes are dropped, which turns the gateway into the uncached design.
 */
export type KvMode = "store" | "always-miss";

type KvCall = (...args: unknown[]) => Promise<unknown>;

interface KvNamespaceLike {
  get: KvCall;
  getWithMetadata: KvCall;
  put: KvCall;
  delete: KvCall;
  list: KvCall;
}

interface BenchEnv {
  TOKEN_CACHE: KvNamespaceLike;
  BENCH_KV_MODE?: string;
}

interface FetchHandler {
  fetch(request: Request, env: never, ctx: never): Response | Promise<Response>;
}

const counts: KvOperationCounts = { reads: 0, writes: 0, deletes: 0, lists: 0 };

// One wrapped env per env object: workerd passes the same env to every request of an isolate,
// and the gateway validates its configuration once per env object.
const wrappedEnvs = new WeakMap<object, object>();

export function wrapGateway(gateway: FetchHandler) {
  return {
    fetch(request: Request, env: BenchEnv, ctx: unknown): Response | Promise<Response> {
      if (request.method === "GET" && new URL(request.url).pathname === KV_OPERATIONS_PATH) {
        return Response.json(counts);
      }
      return gateway.fetch(request, wrapEnv(env) as never, ctx as never);
    },
  };
}

function wrapEnv(env: BenchEnv): object {
  let wrapped = wrappedEnvs.get(env);
  if (wrapped === undefined) {
    const mode: KvMode = env.BENCH_KV_MODE === "always-miss" ? "always-miss" : "store";
    const kv = mode === "store" ? countingKv(env.TOKEN_CACHE) : alwaysMissingKv();
    wrapped = { ...env, TOKEN_CACHE: kv };
    wrappedEnvs.set(env, wrapped);
  }
  return wrapped;
}

function countingKv(inner: KvNamespaceLike): KvNamespaceLike {
  return {
    get: (...args) => {
      counts.reads++;
      return inner.get(...args);
    },
    getWithMetadata: (...args) => {
      counts.reads++;
      return inner.getWithMetadata(...args);
    },
    put: (...args) => {
      counts.writes++;
      return inner.put(...args);
    },
    delete: (...args) => {
      counts.deletes++;
      return inner.delete(...args);
    },
    list: (...args) => {
      counts.lists++;
      return inner.list(...args);
    },
  };
}

function alwaysMissingKv(): KvNamespaceLike {
  return {
    get: async () => {
      counts.reads++;
      return null;
    },
    getWithMetadata: async () => {
      counts.reads++;
      return { value: null, metadata: null, cacheStatus: null };
    },
    put: async () => {
      counts.writes++;
    },
    delete: async () => {
      counts.deletes++;
    },
    list: async () => {
      counts.lists++;
      return { keys: [], list_complete: true, cacheStatus: null };
    },
  };
}
