alter table public.notification_endpoints enable row level security;
-- Endpoints are added through add_notification_endpoint (which keeps the secret
-- encrypted); no API role reads secret_encrypted or signing_secret_encrypted: every other
-- column is granted by name.
-- Owners may rename them, switch them on or off and set their quiet hours, or delete them.
revoke all on table public.notification_endpoints from anon, authenticated, service_role;
grant select (
    id, owner_id, kind, name, url, email_address, secret_prefix, is_active, disabled_reason,
    quiet_hours_start, quiet_hours_end, quiet_hours_timezone, created_at, updated_at, slack_channel
) on table public.notification_endpoints to authenticated, service_role;
grant update (name, is_active, quiet_hours_start, quiet_hours_end, quiet_hours_timezone)
on table public.notification_endpoints to authenticated, service_role;
grant delete on table public.notification_endpoints to authenticated, service_role;

create policy "Owners can read their own notification endpoints"
on public.notification_endpoints for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can update their own notification endpoints"
on public.notification_endpoints for update to authenticated
using (owner_id = (select auth.uid()))
with check (owner_id = (select auth.uid()));

create policy "Owners can delete their own notification endpoints"
on public.notification_endpoints for delete to authenticated
using (owner_id = (select auth.uid()));
