-- Only on the failure path of record_llm_calls: fewer calls went in than came, or an
-- element was malformed. Inspects the elements one by one, in the order of
-- record_llm_call's checks, and raises naming the first element that fails; the raise
-- undoes the calls record_llm_calls inserted.
create function orchable._raise_llm_calls_error(p_calls jsonb)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_uuid constant text := '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
    v_bad record;
    v_failed_check integer;
    v_position bigint;
    v_task_id uuid;
    v_outcome text;
begin
    -- A malformed element (a member its column type cannot take, no task_id) is a worker
    -- bug: the whole call is refused, naming the first one.
    select e.position - 1 as position, v.reason into v_bad
    from jsonb_array_elements(p_calls) with ordinality as e (element, position)
    cross join lateral (
        select case
            when jsonb_typeof(e.element) <> 'object' then 'is not an object'
            when jsonb_typeof(e.element -> 'task_id') is distinct from 'string'
                or e.element ->> 'task_id' !~ v_uuid then 'has no task_id (a uuid)'
            when jsonb_typeof(e.element -> 'api_key_id') not in ('string', 'null')
                or e.element ->> 'api_key_id' !~ v_uuid then 'has an api_key_id that is not a uuid'
            when exists (
                select from jsonb_each(e.element) as m (name, value)
                where m.name in (
                    'input_tokens', 'output_tokens', 'cached_tokens', 'thoughts_tokens', 'latency_ms', 'http_status'
                )
                and jsonb_typeof(m.value) <> 'null'
                and case when m.value #>> '{}' ~ '^-?[0-9]{1,10}$'
                    then (m.value #>> '{}')::bigint not between -2147483648 and 2147483647 else true end
            ) then 'has a count, latency or http_status that is not a whole number of at most 2147483647'
        end as reason
    ) as v
    where v.reason is not null
    order by e.position
    limit 1;
    if found then
        raise exception 'element % of p_calls %: nothing was recorded', v_bad.position, v_bad.reason
            using errcode = 'OR010', detail = format('p_calls[%s] = %s', v_bad.position, p_calls -> v_bad.position::integer),
            hint = 'each element is an object with task_id (a uuid), provider, model, outcome and whole-number counts';
    end if;

    -- Then record_llm_call's checks, naming the first element that fails the first check
    -- any element fails. An element only a column type refuses is named by none of these.
    begin
        select v.failed_check, c.position - 1, c.task_id, c.outcome
        into v_failed_check, v_position, v_task_id, v_outcome
        from rows from (jsonb_to_recordset(p_calls) as (
            task_id uuid, provider text, model text, outcome text, input_tokens integer, output_tokens integer,
            cached_tokens integer, thoughts_tokens integer, latency_ms integer
        )) with ordinality as c (
            task_id, provider, model, outcome, input_tokens, output_tokens, cached_tokens, thoughts_tokens,
            latency_ms, position
        )
        cross join lateral (
            select case
                when c.outcome is null or c.outcome not in (
                    'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
                    'invalid_output', 'invalid_key', 'invalid_request'
                ) then 1
                when coalesce(btrim(c.provider), '') = '' or coalesce(btrim(c.model), '') = ''
                    or least(c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens) < 0
                    or c.latency_ms < 0 then 2
                when not exists (select from public.ai_tasks as t where t.id = c.task_id) then 3
            end as failed_check
        ) as v
        where v.failed_check is not null
        order by v.failed_check, c.position
        limit 1;
    exception when invalid_text_representation or numeric_value_out_of_range or invalid_parameter_value then
        v_failed_check := null;
    end;

    if v_failed_check = 1 then
        raise exception 'unknown LLM call outcome % in element % of p_calls',
            coalesce(quote_literal(v_outcome), 'null'), v_position
            using errcode = 'OR016',
            detail = 'outcome is not one of the outcomes a call can have; nothing was recorded.',
            hint = 'Use success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
    elsif v_failed_check = 2 then
        raise exception 'element % of p_calls needs a provider, a model and token counts and latency of zero or more',
            v_position
            using errcode = 'OR010', detail = format('p_calls[%s] = %s', v_position, p_calls -> v_position::integer),
            hint = 'pass the usage the provider reported; 0 for a count it did not report';
    elsif v_failed_check = 3 then
        raise exception 'task % of element % of p_calls not found', v_task_id, v_position
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task; nothing was recorded',
            hint = 'the task or its batch was deleted; drop this record';
    end if;
    raise exception 'p_calls has a malformed element: nothing was recorded'
        using errcode = 'OR010', hint = 'each element is an object with task_id (a uuid), provider, model, outcome and whole-number counts';
end
$$;

comment on function orchable._raise_llm_calls_error(jsonb) is
'Failure path of record_llm_calls: raises OR010, OR016 or OR004 naming the first element of p_calls that cannot be recorded.';
