-- Batches change only through the RPCs (launch, pause, resume, cancel, retry, delete),
-- which keep their counters true.
alter table public.task_batches enable row level security;
revoke all on table public.task_batches from anon, authenticated, service_role;
grant select on table public.task_batches to authenticated;
grant select on table public.task_batches to service_role;

create policy "Owners can read their own batches"
on public.task_batches for select to authenticated
using (owner_id = (select auth.uid()));
