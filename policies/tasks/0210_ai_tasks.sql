-- Tasks change only through the RPCs, which keep the life cycle and the counters true.
alter table public.ai_tasks enable row level security;
revoke all on table public.ai_tasks from anon, authenticated, service_role;
grant select on table public.ai_tasks to authenticated, service_role;

create policy "Owners can read their own tasks"
on public.ai_tasks for select to authenticated
using (owner_id = (select auth.uid()));
