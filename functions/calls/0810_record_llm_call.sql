-- SECURITY DEFINER: the worker has no table privileges. No claim token: a call that was
-- made cost money even if the claim went stale meanwhile, and is recorded all the same.
create function orchable_rpc.record_llm_call(
    p_task_id uuid,
    p_provider text,
    p_model text,
    p_outcome text,
    p_api_key_id uuid default null,
    p_input_tokens integer default 0,
    p_output_tokens integer default 0,
    p_cached_tokens integer default 0,
    p_thoughts_tokens integer default 0,
    p_latency_ms integer default null,
    p_http_status integer default null,
    p_error text default null,
    p_response_id text default null
)
returns public.llm_calls
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
    v_input integer := coalesce(p_input_tokens, 0);
    v_output integer := coalesce(p_output_tokens, 0);
    v_cached integer := coalesce(p_cached_tokens, 0);
    v_thoughts integer := coalesce(p_thoughts_tokens, 0);
    v_cost numeric(14, 8) := 0;
    v_call public.llm_calls;
    v_api_key_id uuid;
    v_budget numeric;
    v_budget_json jsonb;
    v_batch public.task_batches;
begin
    if p_outcome is null or p_outcome not in (
        'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
        'invalid_output', 'invalid_key', 'invalid_request'
    ) then
        raise exception 'unknown LLM call outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR016',
            detail = 'p_outcome is not one of the outcomes a call can have.',
            hint = 'Use success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
    end if;
    if coalesce(btrim(p_provider), '') = '' or coalesce(btrim(p_model), '') = ''
        or least(v_input, v_output, v_cached, v_thoughts) < 0 or p_latency_ms < 0 then
        raise exception 'record_llm_call needs a provider, a model and token counts and latency of zero or more'
            using errcode = 'OR010',
            detail = format('p_provider=%s p_model=%s tokens=%s/%s/%s/%s p_latency_ms=%s',
                p_provider, p_model, v_input, v_output, v_cached, v_thoughts, p_latency_ms),
            hint = 'pass the usage the provider reported; 0 for a count it did not report';
    end if;

    -- FOR KEY SHARE, as a foreign key's check would: llm_calls has none (see its table).
    select * into v_task from public.ai_tasks where id = p_task_id for key share;
    if not found then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', detail = 'the call cannot be recorded without its task',
            hint = 'the task or its batch was deleted; drop this record';
    end if;

    -- A key deleted meanwhile (or not the owner's) is not named; the call is still recorded.
    select k.id into v_api_key_id
    from public.user_api_keys as k
    where k.id = p_api_key_id and k.owner_id = v_task.owner_id
    for key share;

    v_cost := orchable._llm_call_cost(
        (select m from public.ai_models as m where m.provider = p_provider and m.model = p_model),
        v_input, v_output, v_cached, v_thoughts
    );

    insert into public.llm_calls (
        owner_id, batch_id, task_id, api_key_id, provider, model, attempt, outcome, http_status, error,
        input_tokens, output_tokens, cached_tokens, thoughts_tokens, latency_ms, cost_usd, response_id
    )
    values (
        v_task.owner_id, v_task.batch_id, v_task.id, v_api_key_id, p_provider, p_model, v_task.retry_count,
        p_outcome, p_http_status, p_error, v_input, v_output, v_cached, v_thoughts, p_latency_ms, v_cost,
        p_response_id
    )
    returning * into v_call;

    -- The spend, and the budget: a batch that reaches config.budget_usd pauses itself, so
    -- no task of it is claimed again until its owner resumes it. One update computes both
    -- from the row it locks (no key update: it never waits on the key share locks that the
    -- inserts of concurrent calls hold), and a call that costs nothing in a batch without
    -- a budget does not touch the batch at all.
    select b.config -> 'budget_usd' into v_budget_json from public.task_batches as b where b.id = v_task.batch_id;
    if jsonb_typeof(v_budget_json) = 'number' then
        v_budget := (v_budget_json #>> '{}')::numeric;
    end if;
    if v_cost <> 0 or v_budget is not null then
        update public.task_batches as b
        set
            spent_usd = b.spent_usd + v_cost,
            status = case
                when b.spent_usd + v_cost >= v_budget and b.status in ('pending', 'processing') then 'paused'
                else b.status
            end,
            status_reason = case
                when b.spent_usd + v_cost >= v_budget and b.status in ('pending', 'processing')
                    then format('budget of %s USD reached (%s USD spent)', v_budget, trim_scale(b.spent_usd + v_cost))
                else b.status_reason
            end,
            updated_at = now()
        where b.id = v_task.batch_id
        returning b.* into v_batch;
        -- The update holds the batch row, so only one call records the pause it began: a
        -- batch paused over its budget with no active budget pause has just paused.
        if v_batch.status = 'paused' and v_batch.spent_usd >= v_budget and not exists (
            select from public.batch_pauses as p
            where p.batch_id = v_batch.id and p.status = 'active' and p.reason = 'budget'
        ) and v_batch.status_reason like 'budget of %' then
            perform orchable._begin_pause(
                v_batch.id, 'budget', null,
                jsonb_build_object('budget_usd', v_budget, 'spent_usd', trim_scale(v_batch.spent_usd)),
                format('Paused: budget of %s USD reached (%s USD spent)', v_budget, trim_scale(v_batch.spent_usd))
            );
        end if;
    end if;

    return v_call;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.record_llm_call(
    p_task_id uuid,
    p_provider text,
    p_model text,
    p_outcome text,
    p_api_key_id uuid default null,
    p_input_tokens integer default 0,
    p_output_tokens integer default 0,
    p_cached_tokens integer default 0,
    p_thoughts_tokens integer default 0,
    p_latency_ms integer default null,
    p_http_status integer default null,
    p_error text default null,
    p_response_id text default null
)
returns public.llm_calls
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.record_llm_call(
        p_task_id, p_provider, p_model, p_outcome, p_api_key_id, p_input_tokens, p_output_tokens,
        p_cached_tokens, p_thoughts_tokens, p_latency_ms, p_http_status, p_error, p_response_id
    );
end
$$;

comment on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'The implementation of public.record_llm_call, run with its owner''s rights; callable by the roles that may call public.record_llm_call.';

comment on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'Worker only. Records one LLM call of a task (whatever its claim): tokens, latency, key id, outcome, and its cost
from ai_models (cached tokens at the cached price, the other input tokens at the input price, output and thinking
tokens at the output price; 0 for an unknown model). Adds the cost to the batch''s spent_usd; a pending or processing
batch whose spend reaches config.budget_usd pauses itself (a budget pause in batch_pauses). Errors: OR004 unknown task, OR010 bad counts, OR016 unknown outcome.';

revoke all on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;
revoke all on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;
