alter table public.human_interactions enable row level security;
revoke all on table public.human_interactions from anon, authenticated, service_role;
grant select on table public.human_interactions to authenticated;
grant select, insert, update, delete on table public.human_interactions to service_role;

create policy "Owners and responders can read the interactions put to them"
on public.human_interactions for select to authenticated
using (owner_id = (select auth.uid()) or (select auth.uid()) = any(responder_ids));
