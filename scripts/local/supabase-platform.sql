-- LOCAL STAND-IN for database objects that the Supabase platform creates in every project.
--
-- Only the local stack runs this file, before the migrations. A real Supabase project already
-- has these objects, which is why no migration creates them. The file copies the parts that the
-- migrations, the seed and the row-level security policies rely on:
--   * the API roles that PostgREST switches to (anon, authenticated, service_role);
--   * the auth schema with auth.users (only the columns this project reads) and auth.uid();
--   * the default privileges that give the API roles access to new objects in schema public.
--     They are copied so that the local database shows whether a migration's revokes and
--     column grants really limit those roles;
--   * the table in which the Supabase CLI records the migrations it applied;
--   * Vault (extension supabase_vault) and pg_net, with the tables and functions that the
--     migrations call. Both are reduced copies, described where they are created below.

create role anon nologin noinherit;
create role authenticated nologin noinherit;
-- As on Supabase, the service role skips row-level security. Its table access still comes from
-- grants.
create role service_role nologin noinherit bypassrls;

create schema auth;
grant usage on schema auth to anon, authenticated, service_role;

create table auth.users (
  id uuid primary key,
  email text
);

-- The user id ("sub" claim) of the request's JWT, or null without one. PostgREST 9.0 and later
-- store the claims as JSON in request.jwt.claims. Earlier releases set one setting per claim,
-- such as request.jwt.claim.sub, which is read first, as Supabase's own auth.uid() does.
create function auth.uid() returns uuid
language sql
stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub'
  )::uuid
$$;

grant usage on schema public to anon, authenticated, service_role;
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;

create schema supabase_migrations;
create table supabase_migrations.schema_migrations (
  version text primary key,
  name text,
  statements text[]
);

-- LOCAL STAND-IN for Vault (extension supabase_vault 0.3). Same table, view and function
-- signatures, but the secret is stored in plain text: Vault encrypts it with a key kept outside
-- the database, and every secret of the local stack is a fixed, public value anyway. As on
-- Supabase, the API roles get no access to schema vault.
create schema vault;

create table vault.secrets (
  id uuid primary key default gen_random_uuid(),
  name text,
  description text not null default '',
  secret text not null,
  key_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create unique index secrets_name_idx on vault.secrets (name) where name is not null;

create view vault.decrypted_secrets as
select id, name, description, secret, secret as decrypted_secret, key_id, created_at, updated_at
from vault.secrets;

-- new_key_id is accepted and ignored, as by Vault 0.3.
create function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default '',
  new_key_id uuid default null
) returns uuid
language sql
set search_path = ''
as $$
  insert into vault.secrets (secret, name, description)
  values (new_secret, new_name, new_description)
  returning id
$$;

-- A null argument keeps the current value.
create function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null,
  new_key_id uuid default null
) returns void
language sql
set search_path = ''
as $$
  update vault.secrets
  set
    secret = coalesce(new_secret, secret),
    name = coalesce(new_name, name),
    description = coalesce(new_description, description),
    updated_at = now()
  where id = secret_id
$$;

-- LOCAL STAND-IN for pg_net, the extension that sends HTTP requests from SQL. As in pg_net,
-- net.http_post() only adds a row to net.http_request_queue. A background worker takes the
-- committed rows, sends the requests and stores each outcome in net._http_response. Locally, that
-- worker is scripts/local/pg-net.ts in the local stack's Node process. Only http_post is copied,
-- because the migrations call nothing else.
create schema net;

create table net.http_request_queue (
  id bigserial primary key,
  method text not null check (method in ('GET', 'POST', 'DELETE')),
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds integer not null
);

create table net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out boolean,
  error_msg text,
  created timestamptz not null default now()
);

create index _http_response_created_idx on net._http_response (created);

-- Percent-encodes every byte of the UTF-8 text except the unreserved characters of RFC 3986.
create function net._urlencode_string(value text) returns text
language sql
immutable
strict
set search_path = ''
as $$
  select coalesce(
    string_agg(
      case
        when byte between 48 and 57 or byte between 65 and 90 or byte between 97 and 122
          or byte in (45, 46, 95, 126) then chr(byte)
        else '%' || upper(lpad(to_hex(byte), 2, '0'))
      end,
      '' order by position
    ),
    ''
  )
  from generate_series(0, length(convert_to(value, 'UTF8')) - 1) as position,
    get_byte(convert_to(value, 'UTF8'), position) as byte
$$;

-- Same signature, defaults and checks as pg_net's net.http_post. The JSON body is queued as
-- UTF-8 bytes, and params are percent-encoded and appended to the URL's query string.
create function net.http_post(
  url text,
  body jsonb default '{}'::jsonb,
  params jsonb default '{}'::jsonb,
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  timeout_milliseconds integer default 1000
) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  content_type text;
  query_string text;
  request_id bigint;
begin
  select header.value into content_type
  from jsonb_each_text(coalesce(headers, '{}'::jsonb)) as header (name, value)
  where lower(header.name) = 'content-type'
  limit 1;
  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;
  if body is null then
    raise exception 'body must not be null';
  end if;

  select string_agg(
    net._urlencode_string(param.key) || '=' || net._urlencode_string(param.value), '&'
  )
  into query_string
  from jsonb_each_text(coalesce(params, '{}'::jsonb)) as param (key, value);
  if query_string is not null then
    url := url || case when strpos(url, '?') > 0 then '&' else '?' end || query_string;
  end if;

  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values ('POST', url, headers, convert_to(body::text, 'UTF8'), timeout_milliseconds)
  returning id into request_id;
  return request_id;
end;
$$;
