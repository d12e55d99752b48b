-- Stages change only through upsert_orchestrator (validation and versioning); owners
-- may link a custom component and tune its view.
alter table public.prompt_templates enable row level security;
revoke all on table public.prompt_templates from anon, authenticated, service_role;
grant select on table public.prompt_templates to authenticated;
grant update (custom_component_id, view_config) on table public.prompt_templates to authenticated;
grant select, insert, update, delete on table public.prompt_templates to service_role;

create policy "Owners can read their own templates"
on public.prompt_templates for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can set the view of their own templates"
on public.prompt_templates for update to authenticated
using (owner_id = (select auth.uid()))
with check (owner_id = (select auth.uid()));
