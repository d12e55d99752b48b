-- Append-only: nobody but record_llm_call writes it.
alter table public.llm_calls enable row level security;
revoke all on table public.llm_calls from anon, authenticated, service_role, orchable_worker;
grant select on table public.llm_calls to authenticated, service_role;
-- Its identity sequence is filled by the table's owner; the older default privileges
-- would hand nextval and setval on it to every API role.
revoke all on sequence public.llm_calls_id_seq from anon, authenticated, service_role, orchable_worker;

create policy "Owners can read their own LLM calls"
on public.llm_calls for select to authenticated
using (owner_id = (select auth.uid()));
