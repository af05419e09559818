-- WhatsApp instances: one row per WhatsApp number that a user connected through the provider.
-- The gateway looks rows up by instance_token; the send-text function reads provider_token.
create table public.whatsapp_instances (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  name text not null,
  instance_token text not null,
  provider_token text not null,
  status text not null default 'disconnected',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint whatsapp_instances_name_length check (char_length(name) between 1 and 100),
  constraint whatsapp_instances_name_not_blank check (name ~ '[^[:space:]]'),
  -- The gateway accepts a token of 1 to 256 printable ASCII characters without white space
  -- (0x21 to 0x7E), so a row whose token breaks that rule could never be used.
  constraint whatsapp_instances_instance_token_format check (
    char_length(instance_token) between 1 and 256 and instance_token ~ '^[!-~]+$'
  ),
  constraint whatsapp_instances_instance_token_key unique (instance_token),
  constraint whatsapp_instances_provider_token_not_empty check (provider_token <> ''),
  constraint whatsapp_instances_status_check check (
    status in ('connected', 'connecting', 'disconnected')
  )
);

create index whatsapp_instances_user_id_idx on public.whatsapp_instances (user_id);

create function public.whatsapp_instances_set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create trigger whatsapp_instances_set_updated_at
before update on public.whatsapp_instances
for each row execute function public.whatsapp_instances_set_updated_at();

-- Supabase's default privileges grant every API role all rights on new tables in schema public,
-- and a table-level SELECT would make any column grant meaningless. So start from nothing and
-- grant columns one by one: signed-in users read everything except provider_token.
revoke all on table public.whatsapp_instances from anon, authenticated;
grant select (id, user_id, name, instance_token, status, created_at, updated_at)
  on table public.whatsapp_instances to authenticated;
grant select, insert, update, delete on table public.whatsapp_instances to service_role;

-- service_role has BYPASSRLS, so these policies only limit authenticated. anon has no grant and
-- no policy, so it reads nothing.
alter table public.whatsapp_instances enable row level security;

create policy "Users read their own instances"
on public.whatsapp_instances
for select
to authenticated
using ((select auth.uid()) = user_id);
