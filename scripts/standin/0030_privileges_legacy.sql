-- Supabase's older default privileges: everything new in public is granted to the API
-- roles, so every revoke a migration relies on must be explicit.
-- (supabase/postgres 00000000000000-initial-schema.sql)
alter default privileges for role postgres in schema public
    grant all on tables to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on sequences to postgres, anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    grant all on functions to postgres, anon, authenticated, service_role;
