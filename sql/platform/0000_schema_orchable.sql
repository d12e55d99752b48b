-- orchable's private schema: internal state (task trees, merge groups) and helper
-- functions. PostgREST does not expose it; only the SECURITY DEFINER implementations of
-- the RPCs (schema orchable_rpc) reach it.
create schema if not exists orchable;
revoke all on schema orchable from public;

comment on schema orchable is
'orchable internals: task tree and merge bookkeeping, helpers and trigger functions. Not exposed through PostgREST.';
