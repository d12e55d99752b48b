-- Append-only: nobody but the triggers writes it.
alter table public.task_events enable row level security;
revoke all on table public.task_events from anon, authenticated, service_role;
grant select on table public.task_events to authenticated, service_role;
-- Its identity sequence is filled by the table's owner; the older default privileges
-- would hand nextval and setval on it to every API role.
revoke all on sequence public.task_events_id_seq from anon, authenticated, service_role;

create policy "Owners can read their own events"
on public.task_events for select to authenticated
using (owner_id = (select auth.uid()));
