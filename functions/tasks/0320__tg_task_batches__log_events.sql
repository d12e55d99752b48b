-- The timeline's batch events: every batch status change is a milestone (category
-- business), with a sentence and the progress after the change.
create function orchable.tg_task_batches__log_events()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        insert into public.task_events (
            owner_id, batch_id, event, from_status, to_status, detail, category, level, message, progress
        )
        select n.owner_id, n.id, 'batch_status', null, n.status, jsonb_build_object('name', n.name),
            'business', 'info', format('Batch %s launched', n.name), 0
        from new_batches as n;
    else
        insert into public.task_events (
            owner_id, batch_id, event, from_status, to_status, detail, category, level, message, progress
        )
        select n.owner_id, n.id, 'batch_status', o.status, n.status,
            jsonb_strip_nulls(jsonb_build_object(
                'reason', n.status_reason,
                'completed_tasks', n.completed_tasks,
                'failed_tasks', n.failed_tasks
            )),
            'business',
            case n.status when 'failed' then 'error' when 'paused' then 'warning' when 'cancelled' then 'warning'
                else 'info' end,
            case
                when n.status = 'completed'
                    then format('Batch completed: %s of %s inputs', n.completed_tasks, n.total_tasks)
                when n.status = 'failed'
                    then format('Batch finished with failures: %s of %s inputs failed, %s completed',
                        n.failed_tasks, n.total_tasks, n.completed_tasks)
                when n.status = 'paused' then 'Batch paused' || coalesce(': ' || n.status_reason, '')
                when n.status = 'cancelled' then 'Batch cancelled' || coalesce(': ' || n.status_reason, '')
                when o.status = 'paused' then 'Batch resumed'
                when o.status in ('completed', 'failed', 'cancelled') then 'Batch running again'
                else format('Batch started: %s input%s', n.total_tasks, case when n.total_tasks = 1 then '' else 's' end)
            end,
            case when n.total_tasks = 0 then 0
                else round(100.0 * (n.completed_tasks + n.failed_tasks) / n.total_tasks, 2) end
        from new_batches as n
        join old_batches as o on o.id = n.id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_task_batches__log_events() is
'Statement trigger: appends a task_events row for every batch created and every batch status change, with a message and the batch''s progress.';

create trigger task_batches_30_log_events_inserted
after insert on public.task_batches
referencing new table as new_batches
for each statement
execute function orchable.tg_task_batches__log_events();

create trigger task_batches_30_log_events_updated
after update on public.task_batches
referencing old table as old_batches new table as new_batches
for each statement
execute function orchable.tg_task_batches__log_events();
