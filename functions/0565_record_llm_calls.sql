-- SECURITY DEFINER: the worker has no table privileges. The bulk record_llm_call: one
-- INSERT for every call, then one UPDATE of spent_usd per batch (locked in id order, so
-- concurrent calls never deadlock), with the same cost and budget pause rules.
create function public.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_uuid constant text := '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$';
    v_task_ids uuid [];
    v_providers text [];
    v_models text [];
    v_outcomes text [];
    v_api_key_ids uuid [];
    v_input integer [];
    v_output integer [];
    v_cached integer [];
    v_thoughts integer [];
    v_latency integer [];
    v_http_status integer [];
    v_errors text [];
    v_response_ids text [];
    v_costs numeric [];
    v_owner_ids uuid [];
    v_batch_ids uuid [];
    v_attempts integer [];
    v_bad record;
    v_malformed boolean := false;
begin
    if jsonb_typeof(p_calls) is distinct from 'array' or jsonb_array_length(p_calls) > 1000 then
        raise exception 'record_llm_calls takes a JSON array of at most 1000 calls'
            using errcode = 'OR010',
            detail = format('got %s', case when jsonb_typeof(p_calls) = 'array'
                then jsonb_array_length(p_calls) || ' elements' else coalesce(jsonb_typeof(p_calls), 'SQL null') end),
            hint = 'split the calls into calls of 1000 or fewer';
    end if;
    if jsonb_array_length(p_calls) = 0 then
        return 0;
    end if;

    -- Read once into arrays (in input order), each call's task too (a null owner: no such
    -- task); the statements below work on the arrays.
    begin
        select
            array_agg(c.task_id order by c.ordinality), array_agg(c.provider order by c.ordinality),
            array_agg(c.model order by c.ordinality), array_agg(c.outcome order by c.ordinality),
            array_agg(c.api_key_id order by c.ordinality), array_agg(coalesce(c.input_tokens, 0) order by c.ordinality),
            array_agg(coalesce(c.output_tokens, 0) order by c.ordinality),
            array_agg(coalesce(c.cached_tokens, 0) order by c.ordinality),
            array_agg(coalesce(c.thoughts_tokens, 0) order by c.ordinality), array_agg(c.latency_ms order by c.ordinality),
            array_agg(c.http_status order by c.ordinality), array_agg(c.error order by c.ordinality),
            array_agg(c.response_id order by c.ordinality),
            array_agg(orchable._llm_call_cost(m, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens)
                order by c.ordinality),
            array_agg(t.owner_id order by c.ordinality), array_agg(t.batch_id order by c.ordinality),
            array_agg(t.retry_count order by c.ordinality)
        into v_task_ids, v_providers, v_models, v_outcomes, v_api_key_ids, v_input, v_output, v_cached, v_thoughts,
            v_latency, v_http_status, v_errors, v_response_ids, v_costs, v_owner_ids, v_batch_ids, v_attempts
        from rows from (jsonb_to_recordset(p_calls) as (
            task_id uuid, provider text, model text, outcome text, api_key_id uuid, input_tokens integer,
            output_tokens integer, cached_tokens integer, thoughts_tokens integer, latency_ms integer,
            http_status integer, error text, response_id text
        )) with ordinality as c
        left join public.ai_models as m on m.provider = c.provider and m.model = c.model
        left join public.ai_tasks as t on t.id = c.task_id;
    exception when invalid_text_representation or numeric_value_out_of_range or invalid_parameter_value then
        v_malformed := true;
    end;

    -- A malformed element (a member its column type cannot take, no task_id) is a worker
    -- bug: the whole call is refused, naming the first one. The elements are inspected one
    -- by one only then, as that costs as much as the read.
    if v_malformed or array_position(v_task_ids, null) is not null then
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
        raise exception 'p_calls has a malformed element: nothing was recorded'
            using errcode = 'OR010', hint = 'each element is an object with task_id (a uuid), provider, model, outcome and whole-number counts';
    end if;

    -- The checks of record_llm_call, naming the first element that fails each.
    select c.position - 1 as position, c.outcome into v_bad
    from unnest(v_outcomes) with ordinality as c (outcome, position)
    where c.outcome is null or c.outcome not in (
        'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
        'invalid_output', 'invalid_key', 'invalid_request'
    )
    order by c.position
    limit 1;
    if found then
        raise exception 'unknown LLM call outcome % in element % of p_calls',
            coalesce(quote_literal(v_bad.outcome), 'null'), v_bad.position
            using errcode = 'OR016',
            detail = 'outcome is not one of the outcomes a call can have; nothing was recorded.',
            hint = 'Use success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
    end if;

    select c.position - 1 as position, c.provider, c.model into v_bad
    from unnest(v_providers, v_models, v_input, v_output, v_cached, v_thoughts, v_latency) with ordinality
        as c (provider, model, input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, position)
    where coalesce(btrim(c.provider), '') = '' or coalesce(btrim(c.model), '') = ''
        or least(c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens) < 0 or c.latency_ms < 0
    order by c.position
    limit 1;
    if found then
        raise exception 'element % of p_calls needs a provider, a model and token counts and latency of zero or more',
            v_bad.position
            using errcode = 'OR010', detail = format('p_calls[%s] = %s', v_bad.position, p_calls -> v_bad.position::integer),
            hint = 'pass the usage the provider reported; 0 for a count it did not report';
    end if;

    select c.position - 1 as position, c.task_id into v_bad
    from unnest(v_task_ids, v_owner_ids) with ordinality as c (task_id, owner_id, position)
    where c.owner_id is null
    order by c.position
    limit 1;
    if found then
        raise exception 'task % of element % of p_calls not found', v_bad.task_id, v_bad.position
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task; nothing was recorded',
            hint = 'the task or its batch was deleted; drop this record';
    end if;

    -- The batches whose spend changes, or that have a budget, are locked in id order
    -- before the one INSERT and the one UPDATE. The others are left alone: calls that cost
    -- nothing do not make one batch's completions wait for each other here.
    perform
    from public.task_batches as b
    join (
        select c.batch_id, sum(c.cost) as cost
        from unnest(v_batch_ids, v_costs) as c (batch_id, cost)
        group by c.batch_id
    ) as s on s.batch_id = b.id
    where s.cost <> 0 or jsonb_typeof(b.config -> 'budget_usd') = 'number'
    order by b.id
    for no key update of b;

    -- The spend, and the budget (the rules of record_llm_call): a call that costs nothing
    -- in a batch without a budget leaves the batch alone. A key deleted meanwhile (or not
    -- the owner's) is not named; the call is still recorded.
    with inserted as (
        insert into public.llm_calls (
            owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
            input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
        )
        select
            c.owner_id, c.batch_id, c.task_id, k.id, c.provider, c.model, c.attempt, c.outcome, c.http_status,
            c.error, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens, c.latency_ms,
            c.cost_usd, c.response_id
        from unnest(
            v_task_ids, v_providers, v_models, v_outcomes, v_api_key_ids, v_input, v_output, v_cached, v_thoughts,
            v_latency, v_http_status, v_errors, v_response_ids, v_costs, v_owner_ids, v_batch_ids, v_attempts
        ) with ordinality as c (
            task_id, provider, model, outcome, api_key_id, input_tokens, output_tokens, cached_tokens,
            thoughts_tokens, latency_ms, http_status, error, response_id, cost_usd, owner_id, batch_id, attempt,
            position
        )
        left join public.user_api_keys as k on k.id = c.api_key_id and k.owner_id = c.owner_id
        order by c.position
        returning batch_id, cost_usd
    ),
    spend as (
        select i.batch_id, sum(i.cost_usd) as cost,
            case when jsonb_typeof(b.config -> 'budget_usd') = 'number'
                then (b.config ->> 'budget_usd')::numeric end as budget
        from inserted as i
        join public.task_batches as b on b.id = i.batch_id
        group by i.batch_id, b.config
    )
    update public.task_batches as b
    set
        spent_usd = b.spent_usd + s.cost,
        status = case
            when b.spent_usd + s.cost >= s.budget and b.status in ('pending', 'processing') then 'paused'
            else b.status
        end,
        status_reason = case
            when b.spent_usd + s.cost >= s.budget and b.status in ('pending', 'processing')
                then format('budget of %s USD reached (%s USD spent)', s.budget, trim_scale(b.spent_usd + s.cost))
            else b.status_reason
        end,
        updated_at = now()
    from spend as s
    where b.id = s.batch_id and (s.cost <> 0 or s.budget is not null);

    return cardinality(v_task_ids);
end
$$;

comment on function public.record_llm_calls(jsonb) is
'Worker only. Records up to 1000 LLM calls in one statement: p_calls is a JSON array of objects with the parameters of record_llm_call without their p_ prefix (task_id, provider, model, outcome, api_key_id, input_tokens, ...).
Costs, spend and budget pause as record_llm_call, one update per batch. Returns how many calls were recorded. Errors (nothing recorded): OR004 unknown task, OR010 an element that is not an object, a task_id or api_key_id that is not a uuid, bad counts or more than 1000 calls, OR016 unknown outcome.';

revoke all on function public.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_calls(jsonb) to orchable_worker, service_role;
