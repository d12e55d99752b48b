create function orchable.tg_task_batches__log_events()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        insert into public.task_events (owner_id, batch_id, event, from_status, to_status, detail)
        select n.owner_id, n.id, 'batch_status', null, n.status, jsonb_build_object('name', n.name)
        from new_batches as n;
    else
        insert into public.task_events (owner_id, batch_id, event, from_status, to_status, detail)
        select n.owner_id, n.id, 'batch_status', o.status, n.status,
            jsonb_strip_nulls(jsonb_build_object(
                'reason', n.status_reason,
                'completed_tasks', n.completed_tasks,
                'failed_tasks', n.failed_tasks
            ))
        from new_batches as n
        join old_batches as o on o.id = n.id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_task_batches__log_events() is
'Statement trigger: appends a task_events row for every batch created and every batch status change.';

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
