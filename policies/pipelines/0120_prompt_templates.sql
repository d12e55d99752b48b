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

-- The component must be one the owner can read (their own or a public one): the foreign
-- key alone would let them link, and so probe for, another user's private component.
create policy "Owners can set the view of their own templates"
on public.prompt_templates for update to authenticated
using (owner_id = (select auth.uid()))
with check (
    owner_id = (select auth.uid())
    and (
        custom_component_id is null
        or exists (
            select from public.custom_components as c
            where c.id = prompt_templates.custom_component_id
        )
    )
);
