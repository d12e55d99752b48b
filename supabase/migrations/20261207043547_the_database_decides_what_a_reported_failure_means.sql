-- Delta from the sources below, written by scripts/new-migration.sh.

-- sql/tasks/0270_table_failure_kinds.sql
-- What can go wrong with a claimed task, as the worker reports it (report_task_failure):
-- the database decides what each kind means for the task and stores its project code in
-- ai_tasks.error_code, so failures can be grouped by kind. The worker's enum of kinds
-- (orchable.db.worker_rpc.FailureKind) is tested against these rows.
create table orchable.failure_kinds (
    kind text primary key,
    error_code text not null,
    action text not null,
    description text not null,
    constraint failure_kinds_error_code_unique unique (error_code),
    constraint failure_kinds_error_code_is_a_project_code check (error_code ~ '^OR[0-9]{3}$'),
    constraint failure_kinds_action_known check (action in ('retry', 'fail', 'wait_for_key'))
);

comment on table orchable.failure_kinds is
'The failures a worker reports for a claimed task: each kind''s project code (stored in ai_tasks.error_code) and what the task does next: retry (after a backoff, while retries are left), fail (for good) or wait_for_key (back to plan until a key is usable, no retry spent).';

insert into orchable.failure_kinds (kind, error_code, action, description) values
('unreadable_task', 'OR018', 'fail', 'the worker cannot decode the task''s input, settings or schema'),
(
    'output_uncheckable', 'OR019', 'fail',
    'the output could not be checked against output_schema within the worker''s limits'
),
('overloaded', 'OR022', 'retry', 'the model was overloaded, as was every fallback model'),
('server_error', 'OR023', 'retry', 'the provider answered with a server error or the connection failed'),
('timeout', 'OR024', 'retry', 'no answer within the stage''s timeout'),
('invalid_output', 'OR025', 'retry', 'the answer is not JSON or does not match output_schema'),
('too_many_calls', 'OR026', 'retry', 'the worker''s cap on calls for one task in one claim was reached'),
('invalid_request', 'OR027', 'fail', 'the provider refused the request as malformed'),
('invalid_schema', 'OR028', 'fail', 'output_schema cannot be used to check an output (a pattern, a remote $ref)'),
('unknown_provider', 'OR029', 'fail', 'the stage names a provider the worker does not have'),
('no_usable_key', 'OR030', 'wait_for_key', 'every key of the owner for the provider is blocked, or none is active');

-- policies/platform/0000_orchable_internals.sql: the new private table, like the others.
alter table orchable.failure_kinds enable row level security;
revoke all on table orchable.failure_kinds from public, anon, authenticated, service_role;

-- sql/platform/0030_table_limits.sql: how long a task waiting for a key is put back for.
comment on table orchable.limits is
'Per-owner limits a deployment can set: pipeline size, launch size, split size, template size, prompt length, JSON depth and number size, tasks in flight, and how long a task waiting for a key is put back for.';
insert into orchable.limits (name, value, description) values
(
    'key_wait_seconds', 600,
    'longest a task waits for a blocked key before it looks again (report_task_failure, no_usable_key)'
),
('no_key_wait_seconds', 300, 'how long a task waits when its owner has no active key for its provider (no_usable_key)')
on conflict (name) do nothing;

-- report_task_failure takes every kind and a provider: the four-argument form is replaced
-- (its callers, which name their arguments, call the new one unchanged).
drop function public.report_task_failure(uuid, uuid, text, text);
drop function orchable_rpc.report_task_failure(uuid, uuid, text, text);

-- functions/tasks/0440_report_task_failure.sql
-- SECURITY DEFINER: workers have no table privileges. The worker reports what went wrong
-- (a kind of orchable.failure_kinds); the database decides what it means for the task and
-- stores the kind's project code in error_code.
create function orchable_rpc.report_task_failure(
    p_task_id uuid,
    p_claim_token uuid,
    p_kind text,
    p_error text,
    p_provider text default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_kind orchable.failure_kinds;
    v_task public.ai_tasks;
    v_status text;
    v_run_after timestamptz;
    v_key_free_at timestamptz;
    v_error text := left(coalesce(nullif(btrim(p_error), ''), p_kind), 2000);
begin
    select * into v_kind from orchable.failure_kinds as k where k.kind = p_kind;
    if not found then
        raise exception 'unknown failure kind %', coalesce(quote_literal(p_kind), 'null')
            using errcode = 'OR010',
            detail = 'the kinds are the rows of orchable.failure_kinds',
            hint = format('report_task_failure takes one of: %s',
                (select string_agg(k.kind, ', ' order by k.kind) from orchable.failure_kinds as k));
    end if;
    if v_kind.action = 'wait_for_key' and nullif(btrim(p_provider), '') is null then
        raise exception 'a task waiting for a key needs its provider'
            using errcode = 'OR010',
            detail = format('p_kind=%s, p_provider=null', p_kind),
            hint = 'pass p_provider, the provider whose keys the task waits for';
    end if;
    v_task := orchable._lock_claimed_task(p_task_id, p_claim_token);

    if v_kind.action = 'retry' and v_task.retry_count < v_task.max_retries then
        v_status := 'plan';
        v_run_after := now() + orchable._retry_delay(v_task.retry_count + 1);
    elsif v_kind.action = 'wait_for_key' then
        -- No retry spent: the keys are at fault, not the task. It comes back when the
        -- owner's first key is usable again (at most key_wait_seconds), or after
        -- no_key_wait_seconds when they have no active key for the provider.
        v_status := 'plan';
        v_key_free_at := orchable_rpc.api_key_available_at(v_task.owner_id, p_provider);
        v_run_after := now() + make_interval(secs => case
            when v_key_free_at is null then orchable._limit('no_key_wait_seconds')
            else least(
                orchable._limit('key_wait_seconds'),
                greatest(1, ceil(extract(epoch from v_key_free_at - now())))
            )
        end);
        v_error := format('no usable %s key: %s', p_provider, case
            when v_key_free_at is null then 'none is active'
            else v_error
        end);
    else
        v_status := 'failed';
        v_run_after := v_task.run_after;
    end if;

    update public.ai_tasks
    set
        status = v_status,
        retry_count = v_task.retry_count + (v_kind.action = 'retry' and v_status = 'plan')::integer,
        run_after = v_run_after,
        error_code = v_kind.error_code,
        error_message = v_error,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_task_id;
    return v_status;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.report_task_failure(
    p_task_id uuid,
    p_claim_token uuid,
    p_kind text,
    p_error text,
    p_provider text default null
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_task_failure(p_task_id, p_claim_token, p_kind, p_error, p_provider);
end
$$;

comment on function orchable_rpc.report_task_failure(uuid, uuid, text, text, text) is
'The implementation of public.report_task_failure, run with its owner''s rights; callable by the roles that may call public.report_task_failure.';

comment on function public.report_task_failure(uuid, uuid, text, text, text) is
'Worker only. Reports why a claimed task did not complete, as a kind of orchable.failure_kinds; the kind decides the project code stored in error_code and what follows: retry (back to plan after a backoff while retries are left, else failed), fail (failed for good) or wait_for_key (back to plan, no retry spent, until a key of p_provider is usable: at most key_wait_seconds, or no_key_wait_seconds without an active key). Returns the new status; a stale claim token raises OR006 and changes nothing; an unknown kind, or wait_for_key without p_provider, raises OR010.';

revoke all on function orchable_rpc.report_task_failure(uuid, uuid, text, text, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_task_failure(uuid, uuid, text, text, text)
to orchable_worker, service_role;
revoke all on function public.report_task_failure(uuid, uuid, text, text, text)
from public, anon, authenticated, service_role;
grant execute on function public.report_task_failure(uuid, uuid, text, text, text)
to orchable_worker, service_role;

-- functions/tasks/0430_fail_task.sql: superseded, kept for workers of the previous version.
comment on function public.fail_task(uuid, uuid, text, boolean) is
'Worker only; superseded by report_task_failure, which stores the failure''s kind, and kept for workers of the previous version. Records a claimed task''s failure: a retryable one goes back to plan after an exponential backoff with jitter until the stage''s max_retries, then fails for good. Returns the new status; a stale claim token raises OR006 and changes nothing.';
