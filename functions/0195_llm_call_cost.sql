-- The one place an LLM call is priced, for record_llm_call and record_llm_calls. Cached
-- tokens are part of the input; thinking tokens are billed as output. An unknown model,
-- or an unknown price, costs 0.
-- PL/pgSQL: a SQL function with its own search_path is planned anew at every call.
create function orchable._llm_call_cost(
    p_provider text,
    p_model text,
    p_input_tokens integer,
    p_output_tokens integer,
    p_cached_tokens integer,
    p_thoughts_tokens integer
)
returns numeric
language plpgsql
stable
set search_path = ''
as $$
begin
    return coalesce((
        select (
            greatest(coalesce(p_input_tokens, 0) - coalesce(p_cached_tokens, 0), 0)
            * coalesce(m.input_usd_per_million, 0)
            + coalesce(p_cached_tokens, 0) * coalesce(m.cached_input_usd_per_million, m.input_usd_per_million, 0)
            -- bigint: two integer counts can add up beyond the integer range.
            + (coalesce(p_output_tokens, 0)::bigint + coalesce(p_thoughts_tokens, 0)) * coalesce(m.output_usd_per_million, 0)
        ) / 1000000
        from public.ai_models as m
        where m.provider = p_provider and m.model = p_model
    ), 0);
end
$$;

comment on function orchable._llm_call_cost(text, text, integer, integer, integer, integer) is
'The cost in USD of one LLM call from ai_models: input (cached tokens at the cached price), output and thinking tokens; 0 for an unknown model.';
