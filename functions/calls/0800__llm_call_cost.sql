-- The one place an LLM call is priced, for record_llm_call and record_llm_calls, from the
-- model's ai_models row (the callers look it up, once per statement). Cached tokens are
-- part of the input; thinking tokens are billed as output. An unknown model (a null row),
-- or an unknown price, costs 0.
-- PL/pgSQL returning one expression: it runs without a query, row after row.
create function orchable._llm_call_cost(
    p_price public.ai_models,
    p_input_tokens integer,
    p_output_tokens integer,
    p_cached_tokens integer,
    p_thoughts_tokens integer
)
returns numeric
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
begin
    return (
        greatest(coalesce(p_input_tokens, 0) - coalesce(p_cached_tokens, 0), 0)
        * coalesce(p_price.input_usd_per_million, 0)
        + coalesce(p_cached_tokens, 0)
        * coalesce(p_price.cached_input_usd_per_million, p_price.input_usd_per_million, 0)
        -- bigint: two integer counts can add up beyond the integer range.
        + (coalesce(p_output_tokens, 0)::bigint + coalesce(p_thoughts_tokens, 0))
        * coalesce(p_price.output_usd_per_million, 0)
    ) / 1000000;
end
$$;

comment on function orchable._llm_call_cost(public.ai_models, integer, integer, integer, integer) is
'The cost in USD of one LLM call at the prices of its ai_models row: input (cached tokens at the cached price), output and thinking tokens; 0 for an unknown model (a null row).';
