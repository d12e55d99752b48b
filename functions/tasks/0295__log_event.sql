-- One timeline event that is not a status change of a task or a batch (which triggers
-- log): an interaction's step, a pause begun or ended. The owner comes from the batch,
-- the stage from the task when there is one, and the progress from the batch's counters.
create function orchable._log_event(
    p_batch_id uuid,
    p_task_id uuid,
    p_event text,
    p_to_status text,
    p_detail jsonb,
    p_message text,
    p_category text default 'business',
    p_level text default 'info'
)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into public.task_events (
        owner_id, batch_id, task_id, event, from_status, to_status, detail,
        category, level, message, stage_key, progress
    )
    select b.owner_id, b.id, p_task_id, p_event, null, p_to_status, coalesce(p_detail, '{}'),
        p_category, p_level, p_message,
        (select t.stage_key from public.ai_tasks as t where t.id = p_task_id),
        case when b.total_tasks = 0 then 0
            else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 2) end
    from public.task_batches as b
    where b.id = p_batch_id;
    if not found then
        raise exception 'batch % not found', p_batch_id
            using errcode = 'OR005', detail = format('the %s event %s cannot be logged without its batch', p_event, p_to_status),
            hint = 'the batch was deleted meanwhile';
    end if;
end
$$;

comment on function orchable._log_event(uuid, uuid, text, text, jsonb, text, text, text) is
'Appends one task_events row (an interaction step, a pause) to a batch''s timeline, with its owner, the task''s stage and the batch''s progress; OR005 when the batch does not exist.';
