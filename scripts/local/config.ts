/**
 * Settings of the local stack. Every key and secret here is a fixed, public, local-only value:
 * none of them is used by a deployed gateway.
 */

/** Ports of the local stack; each can be changed through the environment variable of its name. */
export interface LocalPorts {
  worker: number;
  supabaseApi: number;
  database: number;
  edgeFunctions: number;
  whatsappSandbox: number;
}

export const DEFAULT_PORTS: LocalPorts = {
  worker: 8787,
  supabaseApi: 54321,
  database: 54322,
  edgeFunctions: 54326,
  whatsappSandbox: 54330,
};

const PORT_VARIABLES: Record<keyof LocalPorts, string> = {
  worker: "WORKER_PORT",
  supabaseApi: "SUPABASE_API_PORT",
  database: "SUPABASE_DB_PORT",
  edgeFunctions: "EDGE_FUNCTIONS_PORT",
  whatsappSandbox: "WHATSAPP_SANDBOX_PORT",
};

export const LOCAL_HOST = "127.0.0.1";

export const LOCAL_SECRETS = {
  SUPABASE_ANON_KEY: "local-anon-key",
  SUPABASE_SERVICE_ROLE_KEY: "local-service-role-key",
  GATEWAY_SHARED_SECRET: "local-gateway-shared-secret",
  ADMIN_SECRET: "local-admin-secret",
  WEBHOOK_SECRET: "local-webhook-secret",
} as const;

/** Provider tokens of the seed's instances (supabase/seed.sql), accepted by the WhatsApp sandbox. */
export const SEED_PROVIDER_TOKENS = [
  "sandbox-provider-vendas",
  "sandbox-provider-suporte",
  "sandbox-provider-marketing",
];

/** Reads the ports from the environment, falling back to the defaults. */
export function readPorts(environment: NodeJS.ProcessEnv = process.env): LocalPorts {
  const ports = { ...DEFAULT_PORTS };
  for (const key of Object.keys(PORT_VARIABLES) as Array<keyof LocalPorts>) {
    const name = PORT_VARIABLES[key];
    const raw = environment[name];
    if (raw === undefined || raw === "") continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${name} must be a TCP port from 1 to 65535, got "${raw}"`);
    }
    ports[key] = port;
  }
  return ports;
}
