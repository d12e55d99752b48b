alter table public.triggers enable row level security;
-- Triggers are added through add_trigger, which checks their schedule and launches.
revoke all on table public.triggers from anon, authenticated, service_role;
grant select, delete on table public.triggers to authenticated;
grant select, insert, update, delete on table public.triggers to service_role;

create policy "Owners can read their own triggers"
on public.triggers for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can delete their own triggers"
on public.triggers for delete to authenticated
using (owner_id = (select auth.uid()));
