-- SECURITY DEFINER: the worker has no table privileges. The bulk record_llm_call: one
-- INSERT for every call, then one UPDATE of spent_usd per batch (locked in id order, so
-- concurrent calls never deadlock), with the same cost and budget pause rules.
-- llm_calls has no foreign keys (see its table): the calls' tasks and keys are locked FOR
-- KEY SHARE here instead, in id order, so a batch or key deleted meanwhile waits for this
-- transaction and its delete trigger then finds these calls.
create function orchable_rpc.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
-- The calls and their tasks are joined from CTEs whose sizes the planner can only guess
-- (a few rows): it would join them in a nested loop, which compares every call with
-- every task, 65,536 comparisons for 256 calls. Hash joins take them in one pass.
set enable_nestloop = off
as $$
declare
    v_recorded integer;
    v_batch_ids uuid [];
    v_costs numeric [];
    v_malformed boolean := false;
    v_paused record;
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

    -- One statement records every call whose task exists and whose values pass
    -- record_llm_call's checks. Only when fewer calls went in than came, or an element is
    -- malformed, are the elements inspected one by one, to name the first that fails: that
    -- error undoes the insert, so nothing is recorded.
    begin
        with calls as materialized (
            select
                c.ordinality, c.task_id, c.provider, c.model, c.outcome, c.api_key_id,
                coalesce(c.input_tokens, 0) as input_tokens, coalesce(c.output_tokens, 0) as output_tokens,
                coalesce(c.cached_tokens, 0) as cached_tokens, coalesce(c.thoughts_tokens, 0) as thoughts_tokens,
                c.latency_ms, c.http_status, c.error, c.response_id
            from rows from (jsonb_to_recordset(p_calls) as (
                task_id uuid, provider text, model text, outcome text, api_key_id uuid, input_tokens integer,
                output_tokens integer, cached_tokens integer, thoughts_tokens integer, latency_ms integer,
                http_status integer, error text, response_id text
            )) with ordinality as c
        ),
        tasks as materialized (
            select t.id, t.owner_id, t.batch_id, t.retry_count
            from public.ai_tasks as t
            where t.id = any(array(select c.task_id from calls as c))
            order by t.id
            for key share
        ),
        keys as materialized (
            select k.id, k.owner_id
            from public.user_api_keys as k
            where k.id = any(array(select c.api_key_id from calls as c))
            order by k.id
            for key share
        ),
        inserted as (
            insert into public.llm_calls (
                owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
                input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
            )
            select
                t.owner_id, t.batch_id, c.task_id, k.id, c.provider, c.model, t.retry_count, c.outcome,
                c.http_status, c.error, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens,
                c.latency_ms,
                orchable._llm_call_cost(m, c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens),
                c.response_id
            from calls as c
            join tasks as t on t.id = c.task_id
            -- A key deleted meanwhile (or not the owner's) is not named; the call is still recorded.
            left join keys as k on k.id = c.api_key_id and k.owner_id = t.owner_id
            left join public.ai_models as m on m.provider = c.provider and m.model = c.model
            where c.outcome in (
                'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
                'invalid_output', 'invalid_key', 'invalid_request'
            )
                and btrim(c.provider) <> '' and btrim(c.model) <> ''
                and least(c.input_tokens, c.output_tokens, c.cached_tokens, c.thoughts_tokens) >= 0
                and (c.latency_ms is null or c.latency_ms >= 0)
            order by c.ordinality
            returning batch_id, cost_usd
        )
        select count(*)::integer, array_agg(i.batch_id), array_agg(i.cost_usd)
        into v_recorded, v_batch_ids, v_costs
        from inserted as i;
    exception when invalid_text_representation or numeric_value_out_of_range or invalid_parameter_value then
        v_malformed := true;
    end;

    if v_malformed or v_recorded < jsonb_array_length(p_calls) then
        perform orchable._raise_llm_calls_error(p_calls);
    end if;

    -- The spend, and the budget (the rules of record_llm_call): the batches whose spend
    -- changes, or that have a budget, are locked in id order, then updated once each. A
    -- call that costs nothing in a batch without a budget leaves its batch alone: calls
    -- that cost nothing do not make one batch's completions wait for each other here.
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

    -- A batch the update leaves paused over its budget, with no active budget pause, has
    -- just paused (its row stays locked to the commit): its pause is recorded once.
    for v_paused in
        with updated as (
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
            from (
                select c.batch_id, sum(c.cost) as cost,
                    case when jsonb_typeof(x.config -> 'budget_usd') = 'number'
                        then (x.config ->> 'budget_usd')::numeric end as budget
                from unnest(v_batch_ids, v_costs) as c (batch_id, cost)
                join public.task_batches as x on x.id = c.batch_id
                group by c.batch_id, x.config
            ) as s
            where b.id = s.batch_id and (s.cost <> 0 or s.budget is not null)
            returning b.id, b.status, b.status_reason, b.spent_usd, s.budget
        )
        select u.id, u.spent_usd, u.budget
        from updated as u
        where u.status = 'paused' and u.spent_usd >= u.budget and u.status_reason like 'budget of %'
            and not exists (
                select from public.batch_pauses as p
                where p.batch_id = u.id and p.status = 'active' and p.reason = 'budget'
            )
        order by u.id
    loop
        perform orchable._begin_pause(
            v_paused.id, 'budget', null,
            jsonb_build_object('budget_usd', v_paused.budget, 'spent_usd', trim_scale(v_paused.spent_usd)),
            format('Paused: budget of %s USD reached (%s USD spent)', v_paused.budget, trim_scale(v_paused.spent_usd))
        );
    end loop;

    return v_recorded;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.record_llm_calls(p_calls);
end
$$;

comment on function orchable_rpc.record_llm_calls(jsonb) is
'The implementation of public.record_llm_calls, run with its owner''s rights; callable by the roles that may call public.record_llm_calls.';

comment on function public.record_llm_calls(jsonb) is
'Worker only. Records up to 1000 LLM calls in one statement: p_calls is a JSON array of objects with the parameters of record_llm_call without their p_ prefix (task_id, provider, model, outcome, api_key_id, input_tokens, ...).
Costs, spend and budget pause (recorded in batch_pauses) as record_llm_call, one update per batch. Returns how many calls were recorded. Errors (nothing recorded): OR004 unknown task, OR010 an element that is not an object, a task_id or api_key_id that is not a uuid, bad counts or more than 1000 calls, OR016 unknown outcome.';

revoke all on function orchable_rpc.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.record_llm_calls(jsonb) to orchable_worker, service_role;
grant execute on function public.record_llm_calls(jsonb) to orchable_worker, service_role;
