/**
 * `npm start`: runs the whole gateway on this machine with no cloud account, and stops every
 * process it started on Ctrl-C.
 */
import { readPorts } from "./local/config.ts";
import { type LocalStack, startLocalStack } from "./local/stack.ts";

const startedAt = performance.now();
let stack: LocalStack | undefined;
let stopping = false;

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log("Stopping the local stack...");
  await stack?.close();
  process.exit(exitCode);
}

process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  stack = await startLocalStack({
    ports: readPorts(),
    onLine: (part, line) => console.log(`[${part}] ${line}`),
  });
} catch (error) {
  console.error(`The local stack failed to start: ${(error as Error).message}`);
  await stop(1);
}

if (stack) {
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  const { urls } = stack;
  console.log(`
Local stack ready in ${seconds} s

  Gateway (Worker in workerd)          ${urls.worker}
  Supabase API stand-in (PostgREST)    ${urls.supabaseApi}/rest/v1
  Edge Functions (Deno)                ${urls.supabaseApi}/functions/v1/<name>
  Postgres (PGlite)                    psql ${urls.database}
  WhatsApp sandbox (provider stand-in) ${urls.whatsappSandbox}/messages

Try a first request:

  curl -i -X POST ${urls.worker}/whatsapp/send-text \\
    -H 'token: abc123' -H 'Content-Type: application/json' \\
    -d '{"number": "5511999999999", "text": "Olá do João"}'

Press Ctrl-C to stop.`);
}
