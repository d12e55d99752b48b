-- The view runs with the caller's rights (security_invoker), so task_events' RLS applies.
revoke all on table public.v_batch_timeline from anon, authenticated, service_role;
grant select on table public.v_batch_timeline to authenticated, service_role;
