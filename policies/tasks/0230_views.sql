-- The views run with the caller's rights (security_invoker), so RLS still applies.
revoke all on table public.v_runnable_tasks, public.v_stage_progress from anon, authenticated, service_role;
grant select on table public.v_runnable_tasks to authenticated, service_role;
grant select on table public.v_stage_progress to authenticated, service_role;
