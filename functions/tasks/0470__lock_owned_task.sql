create function orchable._lock_owned_task(p_task_id uuid)
returns public.ai_tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks;
begin
    -- Ownership first, then the lock: another user's id must not wait on a row lock,
    -- which would tell them the task exists.
    select * into v_task from public.ai_tasks where id = p_task_id;
    if found and orchable._caller_owns(v_task.owner_id) then
        select * into v_task from public.ai_tasks where id = p_task_id for update;
    end if;
    if not found or not orchable._caller_owns(v_task.owner_id) then
        raise exception 'task % not found', p_task_id
            using errcode = 'OR004', hint = 'check the id; you can only act on your own tasks';
    end if;
    return v_task;
end
$$;

comment on function orchable._lock_owned_task(uuid) is
'Locks a task the caller owns, or raises OR004 as if it did not exist.';
