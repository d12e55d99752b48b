-- pg_cron in the postgres database (cron.database_name), as Supabase has it: on Supabase the
-- postgres role runs `create extension pg_cron` and supautils creates it as the superuser,
-- then grants postgres what supabase/postgres's pg_cron/after-create.sql grants. This
-- stand-in cannot intercept the statement, so it creates the extension ahead, which makes
-- postgres's `create extension if not exists pg_cron` a no-op that succeeds. No job is
-- scheduled: ticking through pg_cron is the operator's choice (README, "Scheduling").
-- Runs as the cluster's superuser, on the postgres database only, when pg_cron is loaded
-- (scripts/db.sh start). Idempotent. Never part of supabase/migrations/.
create extension if not exists pg_cron schema pg_catalog;

grant usage on schema cron to postgres with grant option;
grant all on all functions in schema cron to postgres with grant option;

alter default privileges for user supabase_admin in schema cron grant all
    on sequences to postgres with grant option;
alter default privileges for user supabase_admin in schema cron grant all
    on tables to postgres with grant option;
alter default privileges for user supabase_admin in schema cron grant all
    on functions to postgres with grant option;

grant all privileges on all tables in schema cron to postgres with grant option;
revoke all on table cron.job from postgres;
grant select on table cron.job to postgres with grant option;
