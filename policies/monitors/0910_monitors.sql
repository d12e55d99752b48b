alter table public.monitors enable row level security;
-- Monitors are made (create_monitor) and change state (pause_monitor, resume_monitor) and
-- schedule through RPCs; their owner may rename them, reword them, mute or snooze them,
-- and delete them.
revoke all on table public.monitors from anon, authenticated, service_role;
grant select, delete on table public.monitors to authenticated;
grant update (name, search_query, condition_description, notify_behavior, muted, snoozed_until)
on table public.monitors to authenticated;
grant select, insert, update, delete on table public.monitors to service_role;

create policy "Owners can read their own monitors"
on public.monitors for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can update their own monitors"
on public.monitors for update to authenticated
using (owner_id = (select auth.uid()))
with check (owner_id = (select auth.uid()));

create policy "Owners can delete their own monitors"
on public.monitors for delete to authenticated
using (owner_id = (select auth.uid()));
