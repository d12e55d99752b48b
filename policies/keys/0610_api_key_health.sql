alter table public.api_key_health enable row level security;

-- Read only through the API: report_api_key_result and acquire_api_key write it.
revoke all on table public.api_key_health from anon, authenticated, service_role, orchable_worker;
grant select on table public.api_key_health to authenticated, service_role;

create policy "Owners can read the health of their own keys"
on public.api_key_health
for select
to authenticated
using ((select auth.uid()) = owner_id);
