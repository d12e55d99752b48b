-- Supabase's roles, as supabase/postgres creates them (cluster-wide, idempotent).
-- Runs as the cluster's superuser (supabase_admin). Never part of supabase/migrations/.
do $$
begin
    if not exists (select from pg_roles where rolname = 'anon') then
        create role anon nologin inherit;
    end if;
    if not exists (select from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin inherit;
    end if;
    if not exists (select from pg_roles where rolname = 'service_role') then
        create role service_role nologin inherit bypassrls;
    end if;
    if not exists (select from pg_roles where rolname = 'authenticator') then
        create role authenticator login noinherit password 'authenticator';
    end if;
    -- On Supabase, postgres is not a superuser: it owns the app schema and applies migrations.
    if not exists (select from pg_roles where rolname = 'postgres') then
        create role postgres login createrole createdb bypassrls password 'postgres';
    end if;
end
$$;

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres with admin option;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
