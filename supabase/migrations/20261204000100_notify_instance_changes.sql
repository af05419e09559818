-- Tells the invalidate-token-cache Edge Function about every change to public.whatsapp_instances
-- that makes the gateway's cached token lookups stale: a new row, a deleted row, or an update of
-- status or instance_token. The function then purges the affected tokens from the Worker's cache.
--
-- The request has the shape of a Supabase Database Webhook: a POST with the JSON body
-- {"type", "table", "schema", "record", "old_record"}. pg_net queues it in the writing
-- transaction and sends it only after that transaction commits, so a rolled-back write sends
-- nothing and the write never waits for the network.
--
-- The function's URL and its shared secret are read from Vault when a row changes, so this file
-- contains no project-specific value. Set them once per project, for example:
--   select vault.create_secret(
--     'https://<project-ref>.supabase.co/functions/v1/invalidate-token-cache',
--     'invalidate_token_cache_url'
--   );
--   select vault.create_secret('<WEBHOOK_SECRET of the function>', 'invalidate_token_cache_secret');
-- Until both are set, changes send nothing.

-- Supabase enables pg_net in schema extensions (its objects live in schema net all the same).
-- Databases without the extension, such as the local stack's, provide schema net themselves.
do $$
begin
  if exists (select from pg_catalog.pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net with schema extensions;
  end if;
end;
$$;

-- Not exposed through the Data API: PostgREST serves schema public only.
create schema if not exists private;
revoke all on schema private from public;

create function private.notify_instance_change() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  function_url text;
  webhook_secret text;
  payload jsonb;
begin
  if tg_op = 'UPDATE'
    and new.status is not distinct from old.status
    and new.instance_token is not distinct from old.instance_token then
    return null;
  end if;

  -- A failure here must not undo the user's write: the cache entries then expire on their own.
  begin
    select
      (select decrypted_secret from vault.decrypted_secrets
       where name = 'invalidate_token_cache_url'),
      (select decrypted_secret from vault.decrypted_secrets
       where name = 'invalidate_token_cache_secret')
    into function_url, webhook_secret;
    if coalesce(function_url, '') = '' or coalesce(webhook_secret, '') = '' then
      return null;
    end if;

    -- The body crosses the network, so the rows leave out the provider token.
    payload := jsonb_build_object(
      'type', tg_op,
      'table', tg_table_name,
      'schema', tg_table_schema,
      'record', case when tg_op = 'DELETE' then null else to_jsonb(new) - 'provider_token' end,
      'old_record', case when tg_op = 'INSERT' then null else to_jsonb(old) - 'provider_token' end
    );
    perform net.http_post(
      url := function_url,
      body := payload,
      headers := jsonb_build_object(
        'Content-Type', 'application/json',
        'X-Webhook-Secret', webhook_secret
      ),
      timeout_milliseconds := 1000
    );
  exception when others then
    -- The message could quote a value that was being processed, so the secret is masked.
    raise warning 'Could not queue the cache invalidation for % on %.%: % (SQLSTATE %)',
      tg_op, tg_table_schema, tg_table_name,
      case
        when coalesce(webhook_secret, '') = '' then sqlerrm
        else replace(sqlerrm, webhook_secret, '[secret]')
      end,
      sqlstate;
  end;
  return null;
end;
$$;

-- Postgres grants EXECUTE on new functions to PUBLIC. Only the trigger runs this one, and a
-- trigger needs no EXECUTE privilege from the user whose write fires it.
revoke all on function private.notify_instance_change() from public;
revoke all on function private.notify_instance_change() from anon, authenticated, service_role;

create trigger whatsapp_instances_notify_change
after insert or update of status, instance_token or delete on public.whatsapp_instances
for each row execute function private.notify_instance_change();
