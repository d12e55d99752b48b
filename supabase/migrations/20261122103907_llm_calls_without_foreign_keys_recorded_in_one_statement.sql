-- Delta from the sources below, written by scripts/new-migration.sh.
-- llm_calls loses its two foreign keys: the calls' tasks and keys are locked by the
-- recording RPCs, and triggers take the calls along with their batch or forget a key.
alter table public.llm_calls
drop constraint llm_calls_task_id_fkey,
drop constraint llm_calls_api_key_id_fkey;

-- functions/0563_raise_llm_calls_error.sql
-- Only on the failure path of record_llm_calls: fewer calls went in than came, or an
-- element was malformed. Inspects the elements one by one, in the order of
-- record_llm_call's checks, and raises naming the first element that fails; the raise
-- undoes the calls record_llm_calls inserted.
create or replace function orchable._raise_llm_calls_error(p_calls jsonb)
returns void
language plpgsql
stable
set search_path = ''
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

-- functions/0565_record_llm_calls.sql
-- SECURITY DEFINER: the worker has no table privileges. The bulk record_llm_call: one
-- INSERT for every call, then one UPDATE of spent_usd per batch (locked in id order, so
-- concurrent calls never deadlock), with the same cost and budget pause rules.
-- llm_calls has no foreign keys (see its table): the calls' tasks and keys are locked FOR
-- KEY SHARE here instead, in id order, so a batch or key deleted meanwhile waits for this
-- transaction and its delete trigger then finds these calls.
create or replace function public.record_llm_calls(p_calls jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_recorded integer;
    v_batch_ids uuid [];
    v_costs numeric [];
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
    where b.id = s.batch_id and (s.cost <> 0 or s.budget is not null);

    return v_recorded;
end
$$;

comment on function public.record_llm_calls(jsonb) is
'Worker only. Records up to 1000 LLM calls in one statement: p_calls is a JSON array of objects with the parameters of record_llm_call without their p_ prefix (task_id, provider, model, outcome, api_key_id, input_tokens, ...).
Costs, spend and budget pause as record_llm_call, one update per batch. Returns how many calls were recorded. Errors (nothing recorded): OR004 unknown task, OR010 an element that is not an object, a task_id or api_key_id that is not a uuid, bad counts or more than 1000 calls, OR016 unknown outcome.';

revoke all on function public.record_llm_calls(jsonb) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_calls(jsonb) to orchable_worker, service_role;

-- functions/0560_record_llm_call.sql
-- SECURITY DEFINER: the worker has no table privileges. No claim token: a call that was
-- made cost money even if the claim went stale meanwhile, and is recorded all the same.
create or replace function public.record_llm_call(
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
set search_path = ''
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
        where b.id = v_task.batch_id;
    end if;

    return v_call;
end
$$;

comment on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) is
'Worker only. Records one LLM call of a task (whatever its claim): tokens, latency, key id, outcome, and its cost
from ai_models (cached tokens at the cached price, the other input tokens at the input price, output and thinking
tokens at the output price; 0 for an unknown model). Adds the cost to the batch''s spent_usd; a pending or processing
batch whose spend reaches config.budget_usd pauses itself. Errors: OR004 unknown task, OR010 bad counts, OR016 unknown outcome.';

revoke all on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) from public, anon, authenticated, service_role;
grant execute on function public.record_llm_call(
    uuid, text, text, text, uuid, integer, integer, integer, integer, integer, integer, text, text
) to orchable_worker, service_role;

-- functions/0256_tg_task_batches__delete_llm_calls.sql
-- llm_calls has no foreign keys (see its table): this takes the calls of deleted batches
-- along, once per statement, whether the batch was deleted by delete_batch or by a cascade
-- from its pipeline or its owner. A call being recorded for the batch meanwhile holds its
-- task FOR KEY SHARE, so the batch's tasks are deleted after that transaction ends and
-- this statement, run after them, sees its calls. SECURITY DEFINER, like the cascade of a
-- foreign key: whoever may delete a batch takes its calls along.
create or replace function orchable.tg_task_batches__delete_llm_calls()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    delete from public.llm_calls as c
    where c.batch_id in (select o.id from old_batches as o);
    return null;
end
$$;

comment on function orchable.tg_task_batches__delete_llm_calls() is
'Statement trigger: deletes the LLM calls of the batches a statement deleted.';

drop trigger if exists task_batches_41_delete_llm_calls on public.task_batches;
create trigger task_batches_41_delete_llm_calls
after delete on public.task_batches
referencing old table as old_batches
for each statement
execute function orchable.tg_task_batches__delete_llm_calls();

-- functions/0257_tg_user_api_keys__forget_in_llm_calls.sql
-- llm_calls has no foreign keys (see its table): this does what the key's "on delete set
-- null" did, once per statement. A call being recorded with the key meanwhile holds it
-- FOR KEY SHARE, so the key is deleted after that transaction ends and this statement
-- sees the call. SECURITY DEFINER: an owner deletes their key, not rows of llm_calls.
create or replace function orchable.tg_user_api_keys__forget_in_llm_calls()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    update public.llm_calls as c
    set api_key_id = null
    where c.api_key_id in (select o.id from old_keys as o);
    return null;
end
$$;

comment on function orchable.tg_user_api_keys__forget_in_llm_calls() is
'Statement trigger: the LLM calls made with the keys a statement deleted no longer name them.';

drop trigger if exists user_api_keys_40_forget_in_llm_calls on public.user_api_keys;
create trigger user_api_keys_40_forget_in_llm_calls
after delete on public.user_api_keys
referencing old table as old_keys
for each statement
execute function orchable.tg_user_api_keys__forget_in_llm_calls();

revoke all on function orchable._raise_llm_calls_error(jsonb) from public, anon, authenticated, service_role;
revoke all on function orchable.tg_task_batches__delete_llm_calls() from public, anon, authenticated, service_role;
revoke all on function orchable.tg_user_api_keys__forget_in_llm_calls() from public, anon, authenticated, service_role;
