-- Locks a task a worker reports on and checks that the report carries the current claim:
-- the task is processing and the token is the one its last claim handed out. A report
-- after the lease expired is still taken while no one else has claimed the task.
create function orchable._lock_claimed_task(p_task_id uuid, p_claim_token uuid)
returns public.ai_tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
begin
    select * into v_task from public.ai_tasks where id = p_task_id for update;
    if not found then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', hint = 'the task or its batch was deleted; drop this result';
    end if;
    if v_task.status <> 'processing' or v_task.claim_token is distinct from p_claim_token then
        raise exception 'stale claim on task %: nothing was changed', p_task_id
            using errcode = 'OR006',
            detail = case
                when v_task.status <> 'processing' then format('the task is %s', v_task.status)
                else 'another claim has replaced this one'
            end,
            hint = 'the lease expired and the task was claimed again, or its batch was cancelled; drop this result';
    end if;
    return v_task;
end
$$;

comment on function orchable._lock_claimed_task(uuid, uuid) is
'Locks a processing task and checks the claim token a worker reports with; raises OR004 or OR006 (stale claim).';
