alter table public.hil_responses enable row level security;
-- Written only through the serve RPCs (receive_hil_response, match_hil_response,
-- answer_by_link); owners read what reached them.
revoke all on table public.hil_responses from anon, authenticated, service_role;
grant select on table public.hil_responses to authenticated, service_role;

create policy "Owners can read the answers that reached them"
on public.hil_responses for select to authenticated
using (owner_id = (select auth.uid()));
