-- The model catalogue: every signed-in user reads it; only service_role (operators, the
-- seed) changes it.
alter table public.ai_models enable row level security;
revoke all on table public.ai_models from anon, authenticated, service_role, orchable_worker;
grant select on table public.ai_models to authenticated;
grant select, insert, update, delete on table public.ai_models to service_role;

create policy "Signed-in users can read the model catalogue"
on public.ai_models for select to authenticated
using (true);
