-- What-if for bench/backend_instructions.sh: record_llm_calls records nothing (no
-- llm_calls rows, no spend). Measures what the call log costs; never deployed.
create or replace function public.record_llm_calls(p_calls jsonb)
returns integer
language sql
as 'select jsonb_array_length(p_calls)';
