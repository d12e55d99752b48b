-- A batch launched with config {"pause_on_error": true} pauses when one of its tasks
-- fails for good, so that a person looks before more is spent: the pause is recorded
-- (batch_pauses, reason error, with the task, its stage and its error) in the transaction
-- that failed the task, and resume_batch ends it. It runs after the counters
-- (ai_tasks_90_count_updated), so a failure that finishes the batch leaves it failed, not
-- paused. Most statements fail nothing: they return after one look at their new rows.
create function orchable.tg_ai_tasks__pause_on_error()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_failed record;
begin
    if not exists (select from new_tasks as n where n.status = 'failed') then
        return null;
    end if;
    for v_failed in
        with failed as (
            select distinct on (n.batch_id) n.batch_id, n.id, n.stage_key, n.error_code, n.error_message
            from new_tasks as n
            join old_tasks as o on o.id = n.id
            where n.status = 'failed' and o.status <> 'failed'
            order by n.batch_id, n.id
        ),
        paused as (
            update public.task_batches as b
            set status = 'paused',
                status_reason = format('paused on an error: %s failed', f.stage_key)
                || coalesce(': ' || left(f.error_message, 200), ''),
                updated_at = now()
            from failed as f
            where b.id = f.batch_id and b.status in ('pending', 'processing')
                and b.config -> 'pause_on_error' = 'true'::jsonb
            returning b.id, f.id as task_id, f.stage_key, f.error_code, f.error_message
        )
        select * from paused order by id
    loop
        perform orchable._begin_pause(
            v_failed.id, 'error', null,
            jsonb_strip_nulls(jsonb_build_object(
                'task_id', v_failed.task_id, 'stage_key', v_failed.stage_key,
                'error_code', v_failed.error_code, 'error', left(v_failed.error_message, 200)
            )),
            format('Paused: %s failed', v_failed.stage_key) || coalesce(': ' || left(v_failed.error_message, 200), ''),
            v_failed.task_id
        );
    end loop;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__pause_on_error() is
'Statement trigger: pauses a pending or processing batch launched with config pause_on_error = true when a task of it fails for good, recording the pause (reason error).';

create trigger ai_tasks_95_pause_on_error
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__pause_on_error();
