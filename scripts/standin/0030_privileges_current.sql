-- Supabase's default privileges since 2026-10-30: nothing new in public reaches the API
-- roles by default, so every grant a migration relies on must be explicit.
-- (supabase/cli RevokeDefaultDataApiPrivilegesSql)
alter default privileges for role postgres in schema public
    revoke select, insert, update, delete on tables from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    revoke usage, select on sequences from anon, authenticated, service_role;
alter default privileges for role postgres in schema public
    revoke execute on functions from anon, authenticated, service_role;
