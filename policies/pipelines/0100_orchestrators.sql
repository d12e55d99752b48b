alter table public.orchestrators enable row level security;
revoke all on table public.orchestrators from anon, authenticated, service_role;
grant select, delete on table public.orchestrators to authenticated;
grant select, insert, update, delete on table public.orchestrators to service_role;

create policy "Owners can read their own orchestrators"
on public.orchestrators for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can delete their own orchestrators"
on public.orchestrators for delete to authenticated
using (owner_id = (select auth.uid()));
