-- The bulk report_api_key_result, at p_now (tests pin the clock here; the RPC below, which
-- workers call, takes none): key by key in id order (as acquire_api_keys locks them, so the
-- two never deadlock), each key's reports in the order given. A run of successes on a
-- key is written once, with every call counted: a busy worker reports hundreds of
-- successes a second on a few keys, and one update per call was the largest database
-- cost of an LLM task.
create function orchable._report_api_key_results(p_reports jsonb, p_now timestamptz)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
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

comment on function orchable._report_api_key_results(jsonb, timestamptz) is
'report_api_key_results at the time p_now (now() when null): the body of the RPC, which takes no clock from a worker.';

-- SECURITY DEFINER: the worker has no privileges on the key tables.
create function orchable_rpc.report_api_key_results(p_reports jsonb)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable._report_api_key_results(p_reports, null);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.report_api_key_results(p_reports jsonb)
returns integer
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_api_key_results(p_reports);
end
$$;

comment on function orchable_rpc.report_api_key_results(jsonb) is
'The implementation of public.report_api_key_results, run with its owner''s rights; callable by the roles that may call public.report_api_key_results.';

comment on function public.report_api_key_results(jsonb) is
'Worker only. report_api_key_result for many calls in one statement: p_reports is a JSON array of at most 1000
{"api_key_id", "outcome", "retry_after_seconds", "error"}, applied key by key in the order given, with the same
effects, at the database''s clock; returns how many. A malformed element refuses the whole call (OR010); OR100,
OR101 and OR102 as in report_api_key_result, and then nothing was changed.';

revoke all on function orchable_rpc.report_api_key_results(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.report_api_key_results(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_api_key_results(jsonb) to orchable_worker, service_role;
grant execute on function public.report_api_key_results(jsonb) to orchable_worker, service_role;
