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
--   * the table in which the Supabase CLI records the migrations it applied.

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
