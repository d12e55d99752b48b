alter table public.monitor_executions enable row level security;
revoke all on table public.monitor_executions from anon, authenticated, service_role;
grant select on table public.monitor_executions to authenticated;
grant select, insert, update, delete on table public.monitor_executions to service_role;

create policy "Owners can read their own monitor executions"
on public.monitor_executions for select to authenticated
using (owner_id = (select auth.uid()));
