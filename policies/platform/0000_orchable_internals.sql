-- orchable's private tables have RLS with no policy (deny all) and no grants; only the
-- SECURITY DEFINER functions, run as their owner, touch them. Its functions are not
-- callable by the API roles either.
alter table orchable.task_trees enable row level security;
alter table orchable.merge_groups enable row level security;
alter table orchable.limits enable row level security;
alter table orchable.failure_kinds enable row level security;
revoke all on all tables in schema orchable from public, anon, authenticated, service_role;
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
