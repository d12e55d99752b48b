-- Written by orchable's functions only; owners read their own.
alter table public.batch_pauses enable row level security;
revoke all on table public.batch_pauses from anon, authenticated, service_role;
grant select on table public.batch_pauses to authenticated, service_role;

create policy "Owners can read their own batch pauses"
on public.batch_pauses for select to authenticated
using (owner_id = (select auth.uid()));
