import { CLOUDFLARE_BULK_DELETE_MAX_KEYS } from "./cloudflare-client.ts";
import { HTTP_TIMEOUT_MS } from "./http.ts";
import {
  DEFAULT_CLOUDFLARE_API_BASE_URL,
  DEFAULT_GATEWAY_URL,
  DEFAULT_SUPABASE_URL,
} from "./settings.ts";
import { WORKER_MAX_TOKENS_PER_REQUEST } from "./worker-client.ts";

/** Returns the --help text. */
export function helpText(): string {
  return `Usage: npm run purge -- [options] [TOKEN...]

Deletes cached instance-token lookups from the gateway's KV cache (keys instance-token:v1:<sha256
of the token>), so the next request with a token reads the database again. Tokens are shown only
as the first 8 hex characters of their SHA-256. Cloudflare documents that a KV change can take
60 s or more to be visible in other locations.

Choose what to purge (--all cannot be combined with the others):
  TOKEN...             instance tokens; 1 to 256 printable ASCII characters (0x21-0x7E) after
                       trimming. Arguments can end up in the shell history: prefer --stdin. Put
                       tokens that begin with - after --.
  --stdin              read tokens from standard input, one per line; blank lines are skipped.
                       Standard input without a token is a usage error unless tokens or
                       --instance are also given.
  --instance <uuid>    look the instance's token up in whatsapp_instances through PostgREST and
                       purge it; repeatable
  --all                purge every key under instance-token:v1:

Options:
  --via <worker|cloudflare>
                       worker (default): POST /admin/cache/purge on the gateway, in requests of
                       at most ${WORKER_MAX_TOKENS_PER_REQUEST} tokens; it also clears the Worker isolate's memory tier.
                       cloudflare: Cloudflare's KV REST API (list, then bulk delete of at most
                       ${CLOUDFLARE_BULK_DELETE_MAX_KEYS} keys a call). It cannot reach the Workers' memory tier, so an
                       entry can be served from memory for up to MEMORY_CACHE_TTL_SECONDS
                       (default 10 s) after the purge.
  --env <name>         with --via cloudflare: the wrangler.toml environment (staging,
                       production) whose TOKEN_CACHE namespace id is used; top level if not given
  --config <path>      with --via cloudflare: the wrangler.toml to read (default: the
                       repository's wrangler.toml)
  --dry-run            list the keys that would be purged, as hashes, and change nothing
                       (--all lists through GET /admin/cache/keys or Cloudflare's list call)
  --json               print one JSON object on stdout at the end and nothing else there,
                       also when the purge fails (not when the command line is invalid):
                       {"purged": n, "failed": n, "keys": ["<hash>", ...], "dryRun": bool,
                        "via": "worker" | "cloudflare", "errors": ["<message>", ...]}
                       keys contains the hashes purged or, with --dry-run, listed; --all through
                       the Worker reports only the count
  -h, --help           show this help

Environment variables:
  GATEWAY_URL                  gateway base URL, for --via worker
                               (default ${DEFAULT_GATEWAY_URL}, the local stack)
  ADMIN_SECRET                 the Worker's admin secret, for --via worker (default: the local
                               stack's, used only when GATEWAY_URL is on this machine)
  SUPABASE_URL                 Supabase API base URL, for --instance
                               (default ${DEFAULT_SUPABASE_URL}, the local stack)
  SUPABASE_SERVICE_ROLE_KEY    service_role key, for --instance (default: the local stack's,
                               used only when SUPABASE_URL is on this machine)
  CLOUDFLARE_ACCOUNT_ID        account id, for --via cloudflare (required, no default)
  CLOUDFLARE_API_TOKEN         API token with Workers KV Storage Write, for --via cloudflare
                               (required, no default)
  CLOUDFLARE_API_BASE_URL      Cloudflare API base URL
                               (default ${DEFAULT_CLOUDFLARE_API_BASE_URL})
A variable that falls back to its default is named on stderr. Every HTTP request times out after
${HTTP_TIMEOUT_MS / 1000} s.

Exit codes:
  0  every key was purged, or the dry run listed them
  1  some keys were not purged, an instance lookup failed (unknown id, Supabase unreachable),
     or the gateway or Cloudflare's API could not be reached or failed
  2  usage or configuration error: an invalid option, token or combination, standard input
     without a token, a missing or invalid variable, an unreadable wrangler.toml, rejected
     credentials (ADMIN_SECRET, SUPABASE_SERVICE_ROLE_KEY, CLOUDFLARE_API_TOKEN), a Worker
     without ADMIN_SECRET, or an unknown account or namespace

Examples:
  npm run purge -- abc123
  printf 'abc123\\ndef456\\n' | npm run purge -- --stdin --json
  npm run purge -- --instance 00000000-0000-4000-8000-00000000b001
  npm run purge -- --all --dry-run
  npm run purge -- --all --via cloudflare --env production
`;
}
