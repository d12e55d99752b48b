-- Append-only: only orchable's functions write it, and they only add rows.
alter table public.interaction_answers enable row level security;
revoke all on table public.interaction_answers from anon, authenticated, service_role;
grant select on table public.interaction_answers to authenticated, service_role;
-- Its identity sequence is filled by the table's owner; the older default privileges
-- would hand nextval and setval on it to every API role.
revoke all on sequence public.interaction_answers_id_seq from anon, authenticated, service_role;

create policy "Owners and responders read the answers that concern them"
on public.interaction_answers for select to authenticated
using (owner_id = (select auth.uid()) or responder_id = (select auth.uid()));
