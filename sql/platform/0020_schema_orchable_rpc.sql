-- The RPCs' implementations: SECURITY DEFINER functions, each reached only through its
-- SECURITY INVOKER namesake in public (what PostgREST exposes) or by the roles granted it.
-- Keeping them out of public is Supabase's rule for definers: an exposed schema holds
-- none, so the Security Advisor (splinter) finds nothing, and every rule is still
-- enforced inside the implementation whatever path a call takes.
create schema if not exists orchable_rpc;
revoke all on schema orchable_rpc from public;
-- anon, for the one RPC it may call: trigger_webhook (every other is revoked from it).
grant usage on schema orchable_rpc to anon, authenticated, service_role, orchable_worker;

comment on schema orchable_rpc is
'The SECURITY DEFINER implementations of orchable''s RPCs; not exposed through PostgREST. Call the namesakes in public.';
