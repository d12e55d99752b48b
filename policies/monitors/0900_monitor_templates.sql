alter table public.monitor_templates enable row level security;
revoke all on table public.monitor_templates from anon, authenticated, service_role;
grant select on table public.monitor_templates to authenticated;
grant select, insert, update, delete on table public.monitor_templates to service_role;

create policy "Signed-in users can read every monitor template"
on public.monitor_templates for select to authenticated
using (true);
