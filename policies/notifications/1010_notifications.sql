alter table public.notifications enable row level security;
revoke all on table public.notifications from anon, authenticated, service_role;
grant select on table public.notifications to authenticated;
grant select, insert, update, delete on table public.notifications to service_role;

create policy "Owners can read their own notifications"
on public.notifications for select to authenticated
using (owner_id = (select auth.uid()));
