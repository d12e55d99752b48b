-- Delta from the sources below, written by scripts/new-migration.sh.

-- functions/0198_report_api_key_calls.sql
-- How calls with a key went, for report_api_key_result and report_api_key_results: the
-- key's health row is locked, and the key blocked or deactivated as the outcome says.
-- p_calls is how many calls in a row had this outcome; only successes come in runs (a
-- failure changes the streak, so each is reported alone). The callers set
-- synchronous_commit.
create or replace function orchable._report_api_key_calls(
    p_api_key_id uuid,
    p_outcome text,
    p_calls integer,
    p_retry_after_seconds integer,
    p_error text,
    p_now timestamptz
)
returns public.api_key_health
language plpgsql
volatile
set search_path = ''
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_health public.api_key_health;
    v_failures integer;
    v_cooldown interval;
    v_reason text;
    v_deactivate boolean := false;
    v_rate_limited boolean;
begin
    if p_outcome is null
        or p_outcome not in ('success', 'rate_limited', 'server_error', 'timeout', 'invalid_key') then
        raise exception 'unknown outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR102',
            detail = 'p_outcome is not one of the outcomes a call can have.',
            hint = 'Use success, rate_limited, server_error, timeout or invalid_key.';
    end if;
    if p_calls is null or p_calls < 1 or (p_calls > 1 and p_outcome <> 'success') then
        raise exception 'a run of % % calls', p_calls, p_outcome
            using errcode = 'OR010',
            detail = 'Only successes are reported in runs; each failure is reported alone.',
            hint = 'Report failures one by one, in the order they happened.';
    end if;
    if p_retry_after_seconds < 0 then
        raise exception 'negative retry-after: % seconds', p_retry_after_seconds
            using errcode = 'OR100',
            detail = 'p_retry_after_seconds must be zero or more.',
            hint = 'Pass the Retry-After the provider sent, or null.';
    end if;

    select h.* into v_health
    from public.api_key_health as h
    where h.user_api_key_id = p_api_key_id
    for update;
    if not found then
        raise exception 'API key % not found', p_api_key_id
            using errcode = 'OR101',
            detail = 'No user_api_keys row has this id.',
            hint = 'Report the api_key_id acquire_api_key returned; the key may have been deleted.';
    end if;

    if p_outcome = 'success' then
        v_rate_limited := coalesce(v_health.block_reason = 'rate_limited' and v_health.blocked_until > v_now, false);
        -- A success ends the streak and a cooldown for errors, but not a rate limit's: a
        -- call in flight when the quota ran out says nothing about when it comes back.
        update public.api_key_health as h
        set
            consecutive_failures = 0,
            blocked_until = case when v_rate_limited then h.blocked_until end,
            failing_since = null,
            -- A deactivated key keeps the reason it was deactivated for.
            block_reason = case when not k.is_active or v_rate_limited then h.block_reason end,
            total_calls = h.total_calls + p_calls,
            updated_at = v_now
        from public.user_api_keys as k
        where h.user_api_key_id = p_api_key_id and k.id = h.user_api_key_id
        returning h.* into v_health;
        return v_health;
    end if;

    v_reason := p_outcome;
    if v_health.blocked_until > v_now then
        -- The key is blocked: this call was in flight when the block began (acquire hands
        -- out no blocked key), and it failed for the same cause. The block already counts
        -- that failure: a burst of them neither lengthens the streak nor the cooldown, or
        -- one stumble of the provider would block every key for minutes. Only a
        -- Retry-After the provider sent is honoured.
        v_failures := v_health.consecutive_failures;
        v_cooldown := make_interval(secs => p_retry_after_seconds);
        v_deactivate := p_outcome = 'invalid_key';
        if not v_deactivate and v_health.blocked_until >= v_now + coalesce(v_cooldown, interval '0') then
            v_reason := v_health.block_reason;  -- the block stands as it was
        end if;
    else
        v_failures := v_health.consecutive_failures + 1;
        if p_outcome = 'rate_limited' then
            v_cooldown := make_interval(secs => coalesce(
                p_retry_after_seconds, least(30 * power(2, least(v_failures, 20) - 1), 3600)
            ));
        elsif p_outcome in ('server_error', 'timeout') then
            v_cooldown := make_interval(secs => least(5 * power(2, least(v_failures, 20) - 1), 300));
        else
            v_deactivate := true;
        end if;
    end if;
    -- Too many failures: 10 in a row over 10 minutes or more, and not rate limits (a quota
    -- comes back; its cooldown is enough). A burst does not count however long it is:
    -- the calls in flight on a key when the provider stumbles all fail within seconds, and
    -- an outage must not switch off the whole pool.
    if v_failures >= 10
        and p_outcome <> 'rate_limited'
        and v_now - coalesce(v_health.failing_since, v_now) >= interval '10 minutes'
        and not v_deactivate then
        v_deactivate := true;
        v_reason := 'too_many_failures: ' || coalesce(p_error, p_outcome);
    end if;

    update public.api_key_health as h
    set
        consecutive_failures = v_failures,
        -- A cooldown never shortens a longer block already in force.
        blocked_until = greatest(h.blocked_until, v_now + v_cooldown),
        block_reason = v_reason,
        total_calls = h.total_calls + 1,
        total_failures = h.total_failures + 1,
        last_error = coalesce(p_error, h.last_error),
        updated_at = v_now,
        failing_since = coalesce(h.failing_since, v_now)
    where h.user_api_key_id = p_api_key_id
    returning h.* into v_health;

    if v_deactivate then
        update public.user_api_keys as k
        set is_active = false, updated_at = v_now
        where k.id = p_api_key_id;
    end if;
    return v_health;
end
$$;

comment on function orchable._report_api_key_calls(uuid, text, integer, integer, text, timestamptz) is
'Records p_calls calls in a row with one outcome on a key (only successes come in runs): the body of report_api_key_result(s).
Private; nobody is granted execute.';
revoke all on function orchable._report_api_key_calls(uuid, text, integer, integer, text, timestamptz)
from public, anon, authenticated, service_role;

-- functions/0540_report_api_key_result.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables; this is its only way
-- to write a key's health.
create or replace function public.report_api_key_result(
    p_api_key_id uuid,
    p_outcome text,
    p_retry_after_seconds integer default null,
    p_error text default null,
    p_now timestamptz default null
)
returns public.api_key_health
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
    -- Key health is advice for the next acquire: its commit need not wait for the disk,
    -- so the key's row lock is held for microseconds, not a WAL flush. A crash loses at
    -- most the last moment of it, and the next call learns it again.
    perform set_config('synchronous_commit', 'off', true);
    return orchable._report_api_key_calls(p_api_key_id, p_outcome, 1, p_retry_after_seconds, p_error, p_now);
end
$$;

comment on function public.report_api_key_result(uuid, text, integer, text, timestamptz) is
'Records how a call with a key went, and blocks or deactivates the key accordingly.
success resets the failure streak and clears the block, unless it is a rate limit''s still in force. rate_limited blocks for p_retry_after_seconds,
else 30 s * 2^(streak - 1) up to 1 hour; server_error and timeout block for 5 s * 2^(streak - 1) up to 5 minutes;
invalid_key deactivates the key at once; so does a streak of 10 failures or more that has lasted 10 minutes,
unless the last is a rate limit (too_many_failures: <error>). A failure reported while the key is blocked (a call
in flight when the block began) changes neither the streak nor the block, but for a Retry-After it carries.
Errors: OR100 negative retry-after, OR101 key not found, OR102 unknown outcome.';
revoke all on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role;
grant execute on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
to orchable_worker, service_role;

-- functions/0545_report_api_key_results.sql
-- SECURITY DEFINER: the worker has no privileges on the key tables. The bulk
-- report_api_key_result: key by key in id order (as acquire_api_keys locks them, so the
-- two never deadlock), each key's reports in the order given. A run of successes on a
-- key is written once, with every call counted: a busy worker reports hundreds of
-- successes a second on a few keys, and one update per call was the largest database
-- cost of an LLM task.
create or replace function public.report_api_key_results(p_reports jsonb, p_now timestamptz default null)
returns integer
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
    v_bad record;
    v_run record;
begin
    if jsonb_typeof(p_reports) is distinct from 'array' or jsonb_array_length(p_reports) > 1000 then
        raise exception 'report_api_key_results takes a JSON array of at most 1000 reports'
            using errcode = 'OR010',
            detail = format('got %s', case when jsonb_typeof(p_reports) = 'array'
                then jsonb_array_length(p_reports) || ' elements' else coalesce(jsonb_typeof(p_reports), 'SQL null') end),
            hint = 'split the reports into calls of 1000 or fewer';
    end if;

    select e.position - 1 as position, v.reason into v_bad
    from jsonb_array_elements(p_reports) with ordinality as e (element, position)
    cross join lateral (
        select case
            when jsonb_typeof(e.element) <> 'object' then 'is not an object'
            when coalesce(e.element ->> 'api_key_id', '')
                !~ '^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$'
                then 'has no api_key_id (a uuid)'
            when coalesce(jsonb_typeof(e.element -> 'retry_after_seconds'), 'null') <> 'null'
                and coalesce(e.element ->> 'retry_after_seconds', '') !~ '^-?[0-9]{1,9}$'
                then 'has a retry_after_seconds that is not an integer'
            when coalesce(jsonb_typeof(e.element -> 'error'), 'null') not in ('string', 'null')
                then 'has an error that is not a string'
        end as reason
    ) as v
    where v.reason is not null
    order by e.position
    limit 1;
    if found then
        raise exception 'element % of p_reports %: nothing was changed', v_bad.position, v_bad.reason
            using errcode = 'OR010', detail = format('p_reports[%s] = %s', v_bad.position, p_reports -> v_bad.position::integer),
            hint = 'each element is {"api_key_id", "outcome", "retry_after_seconds", "error"}';
    end if;

    -- As in report_api_key_result: key health need not wait for the disk.
    perform set_config('synchronous_commit', 'off', true);

    -- A run of successes shares a number: how many of the key's reports before it are not
    -- successes. A failure is a run of its own.
    for v_run in
        with reports as (
            select
                (e.element ->> 'api_key_id')::uuid as api_key_id,
                e.element ->> 'outcome' as outcome,
                (e.element ->> 'retry_after_seconds')::integer as retry_after_seconds,
                e.element ->> 'error' as error,
                e.position
            from jsonb_array_elements(p_reports) with ordinality as e (element, position)
        ),
        numbered as (
            select
                r.*,
                row_number() over (partition by r.api_key_id order by r.position)
                - row_number() over (
                    partition by r.api_key_id, r.outcome is not distinct from 'success' order by r.position
                ) as run
            from reports as r
        )
        select n.api_key_id, n.outcome, count(*)::integer as calls, min(n.retry_after_seconds) as retry_after_seconds,
            min(n.error) as error, min(n.position) as first_position
        from numbered as n
        group by n.api_key_id, n.outcome,
            case when n.outcome is not distinct from 'success' then n.run else -n.position end
        order by n.api_key_id, first_position
    loop
        perform orchable._report_api_key_calls(
            v_run.api_key_id, v_run.outcome, v_run.calls, v_run.retry_after_seconds, v_run.error, p_now
        );
    end loop;
    return jsonb_array_length(p_reports);
end
$$;

comment on function public.report_api_key_results(jsonb, timestamptz) is
'Worker only. report_api_key_result for many calls in one statement: p_reports is a JSON array of at most 1000
{"api_key_id", "outcome", "retry_after_seconds", "error"}, applied key by key in the order given, with the same
effects; returns how many. A malformed element refuses the whole call (OR010); OR100, OR101 and OR102 as in
report_api_key_result, and then nothing was changed.';

revoke all on function public.report_api_key_results(jsonb, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.report_api_key_results(jsonb, timestamptz) to orchable_worker, service_role;
