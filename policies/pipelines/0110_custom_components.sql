alter table public.custom_components enable row level security;
revoke all on table public.custom_components from anon, authenticated, service_role;
grant select, insert, update, delete on table public.custom_components to authenticated, service_role;

create policy "Signed-in users can read public components and their own"
on public.custom_components for select to authenticated
using (is_public or created_by = (select auth.uid()));

create policy "Users can create components they own"
on public.custom_components for insert to authenticated
with check (created_by = (select auth.uid()));

create policy "Owners can update their own components"
on public.custom_components for update to authenticated
using (created_by = (select auth.uid()))
with check (created_by = (select auth.uid()));

create policy "Owners can delete their own components"
on public.custom_components for delete to authenticated
using (created_by = (select auth.uid()));
