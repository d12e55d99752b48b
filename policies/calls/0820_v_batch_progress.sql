-- The view runs with the caller's rights (security_invoker), so RLS on the batches,
-- tasks, events and calls it reads still applies.
revoke all on table public.v_batch_progress from anon, authenticated, service_role, orchable_worker;
grant select on table public.v_batch_progress to authenticated, service_role;
