-- The view runs with the caller's rights (security_invoker), so RLS still applies.
revoke all on table public.v_my_interactions from anon, authenticated, service_role;
grant select on table public.v_my_interactions to authenticated, service_role;
