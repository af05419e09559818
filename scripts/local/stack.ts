import path from "node:path";
import { LOCAL_HOST, LOCAL_SECRETS, type LocalPorts, SEED_PROVIDER_TOKENS } from "./config.ts";
import { openLocalDatabase, writeVaultSecret } from "./database.ts";
import { startEdgeFunctions } from "./edge-functions.ts";
import { startPgNetWorker } from "./pg-net.ts";
import { startPostgresServer } from "./postgres-server.ts";
import { startSupabaseApi } from "./postgrest.ts";
import { startWhatsAppSandbox } from "./whatsapp-sandbox.ts";
import { startWorkerDev } from "./worker-dev.ts";

const REPO_ROOT = path.resolve(import.meta.dirname, "../..");

export interface LocalStackOptions {
  ports: LocalPorts;
  /** Receives each line a part prints, with the part's name. */
  onLine?: (part: string, line: string) => void;
  /**
   * Whether the local pg_net worker sends the database webhooks that net.http_post() queues.
   * When false, they stay queued, as when a webhook is lost. Defaults to the WEBHOOK_DELIVERY
   * environment variable ("on" or "off"), or true without it.
   */
  webhookDelivery?: boolean;
}

export interface LocalStack {
  urls: {
    worker: string;
    supabaseApi: string;
    database: string;
    edgeFunctions: string;
    whatsappSandbox: string;
  };
  close(): Promise<void>;
}

/**
 * Starts every part of the local stack, in dependency order, and returns a handle that stops them
 * in reverse order. If one part fails to start, the parts already running are stopped first.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { ports } = options;
  const webhookDelivery = options.webhookDelivery ?? readWebhookDelivery();
  const closers: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const closePart of closers.reverse()) {
      await closePart().catch(() => undefined);
    }
  };

  try {
    const db = await openLocalDatabase();
    closers.push(() => db.close());

    const postgres = await startPostgresServer(db, { host: LOCAL_HOST, port: ports.database });
    closers.push(() => postgres.close());

    const sandbox = await startWhatsAppSandbox({
      host: LOCAL_HOST,
      port: ports.whatsappSandbox,
      providerTokens: SEED_PROVIDER_TOKENS,
    });
    closers.push(() => sandbox.close());

    const supabaseApiUrl = `http://${LOCAL_HOST}:${ports.supabaseApi}`;
    const functions = await startEdgeFunctions({
      host: LOCAL_HOST,
      port: ports.edgeFunctions,
      env: {
        SUPABASE_URL: supabaseApiUrl,
        SUPABASE_SERVICE_ROLE_KEY: LOCAL_SECRETS.SUPABASE_SERVICE_ROLE_KEY,
        GATEWAY_SHARED_SECRET: LOCAL_SECRETS.GATEWAY_SHARED_SECRET,
        UAZAPI_BASE_URL: sandbox.url,
        // Optional tunable, passed through so tests can shorten the provider timeout.
        ...(process.env.PROVIDER_TIMEOUT_MS
          ? { PROVIDER_TIMEOUT_MS: process.env.PROVIDER_TIMEOUT_MS }
          : {}),
        WEBHOOK_SECRET: LOCAL_SECRETS.WEBHOOK_SECRET,
        // The Worker starts last, but invalidate-token-cache only calls it when a webhook arrives.
        GATEWAY_URL: `http://${LOCAL_HOST}:${ports.worker}`,
        ADMIN_SECRET: LOCAL_SECRETS.ADMIN_SECRET,
      },
    });
    closers.push(() => functions.close());

    const api = await startSupabaseApi({
      db,
      host: LOCAL_HOST,
      port: ports.supabaseApi,
      anonKey: LOCAL_SECRETS.SUPABASE_ANON_KEY,
      serviceRoleKey: LOCAL_SECRETS.SUPABASE_SERVICE_ROLE_KEY,
      functionsUrl: functions.url,
      functionsConfigPath: path.join(REPO_ROOT, "supabase", "config.toml"),
    });
    closers.push(() => api.close());

    const worker = await startWorkerDev({
      host: LOCAL_HOST,
      port: ports.worker,
      vars: {
        SUPABASE_URL: api.url,
        SUPABASE_SERVICE_ROLE_KEY: LOCAL_SECRETS.SUPABASE_SERVICE_ROLE_KEY,
        GATEWAY_SHARED_SECRET: LOCAL_SECRETS.GATEWAY_SHARED_SECRET,
        ADMIN_SECRET: LOCAL_SECRETS.ADMIN_SECRET,
      },
      onLine: (line) => options.onLine?.("worker", line),
    });
    closers.push(() => worker.close());

    // Set only now that the function and the Worker it calls are up. The seed ran without them,
    // so it queued no webhooks.
    await writeVaultSecret(
      db,
      "invalidate_token_cache_url",
      `${api.url}/functions/v1/invalidate-token-cache`,
    );
    await writeVaultSecret(db, "invalidate_token_cache_secret", LOCAL_SECRETS.WEBHOOK_SECRET);
    if (webhookDelivery) {
      const pgNet = startPgNetWorker(db, { onLine: (line) => options.onLine?.("pg_net", line) });
      closers.push(() => pgNet.close());
    }

    return {
      urls: {
        worker: worker.url,
        supabaseApi: api.url,
        database: `postgresql://postgres:postgres@${LOCAL_HOST}:${ports.database}/postgres`,
        edgeFunctions: functions.url,
        whatsappSandbox: sandbox.url,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Reads WEBHOOK_DELIVERY: "on" or unset sends database webhooks, "off" leaves them queued. */
export function readWebhookDelivery(environment: NodeJS.ProcessEnv = process.env): boolean {
  const raw = environment.WEBHOOK_DELIVERY;
  if (raw === undefined || raw === "" || raw === "on") return true;
  if (raw === "off") return false;
  throw new Error(`WEBHOOK_DELIVERY must be "on" or "off", got "${raw}"`);
}
