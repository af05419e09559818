-- The gateway looks a token up by its SHA-256 digest instead of the token itself:
--   GET /rest/v1/whatsapp_instances?select=...&instance_token_sha256=eq.<64 hex>&limit=2
-- Request URLs end up in logs (Supabase's API logs, proxies, wrangler's local log file), so the
-- lookup URL must not carry a token.
--
-- The value is the lowercase hex SHA-256 of the token's UTF-8 bytes, the same digest the Worker
-- uses in its KV keys. A generated column needs an immutable expression, and convert_to() is
-- only stable (Postgres 15 and 18 reject it here), so the bytes come from decode(..., 'escape'),
-- which is immutable. That decoding copies each character's bytes in the database encoding
-- (UTF8 on Supabase) and treats only the backslash specially, so replace() doubles every
-- backslash first. The format check keeps tokens to printable ASCII anyway, whose bytes are the
-- same in every encoding Postgres supports as a server encoding.
alter table public.whatsapp_instances
  add column instance_token_sha256 text not null generated always as (
    encode(sha256(decode(replace(instance_token, E'\\', E'\\\\'), 'escape')), 'hex')
  ) stored;

-- Serves the lookup. Tokens are unique already, so this only fails on a SHA-256 collision.
alter table public.whatsapp_instances
  add constraint whatsapp_instances_instance_token_sha256_key unique (instance_token_sha256);

-- The change trigger's webhook rows (every column but provider_token) now carry the digest too;
-- the invalidate-token-cache function reads only instance_token from them.

-- service_role reads it through its table-level grant. authenticated reads every column but
-- provider_token, and the digest tells a user nothing that the instance_token they already read
-- does not, so it is granted too. anon still reads nothing.
grant select (instance_token_sha256) on table public.whatsapp_instances to authenticated;
