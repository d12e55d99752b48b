alter table public.notification_deliveries enable row level security;
revoke all on table public.notification_deliveries from anon, authenticated, service_role;
grant select on table public.notification_deliveries to authenticated;
grant select, insert, update, delete on table public.notification_deliveries to service_role;

create policy "Owners can read their own notification deliveries"
on public.notification_deliveries for select to authenticated
using (owner_id = (select auth.uid()));
