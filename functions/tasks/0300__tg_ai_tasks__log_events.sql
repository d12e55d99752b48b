create function orchable.tg_ai_tasks__log_events()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        insert into public.task_events (owner_id, batch_id, task_id, event, from_status, to_status, detail)
        select n.owner_id, n.batch_id, n.id, 'task_status', null, n.status,
            jsonb_build_object('stage_key', n.stage_key)
        from new_tasks as n;
    else
        insert into public.task_events (owner_id, batch_id, task_id, event, from_status, to_status, detail)
        select n.owner_id, n.batch_id, n.id, 'task_status', o.status, n.status,
            -- The detail of a claim and of a completion, most of the events, is built
            -- directly, at about half the cost of the general form with its nulls stripped.
            case
                when n.retry_count = o.retry_count and n.status = 'processing' and n.locked_by is not null
                    then jsonb_build_object('stage_key', n.stage_key, 'worker', n.locked_by)
                when n.retry_count = o.retry_count and n.status in ('generated', 'completed', 'cancelled')
                    then jsonb_build_object('stage_key', n.stage_key)
                else jsonb_strip_nulls(jsonb_build_object(
                    'stage_key', n.stage_key,
                    'worker', case when n.status = 'processing' then n.locked_by end,
                    'retry_count', case when n.retry_count <> o.retry_count then n.retry_count end,
                    'error', case when n.status in ('plan', 'failed') then n.error_message end,
                    'error_code', case when n.status = 'failed' then n.error_code end
                ))
            end
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__log_events() is
'Statement trigger: appends a task_events row for every task created and every task status change.';

create trigger ai_tasks_30_log_events_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__log_events();

create trigger ai_tasks_30_log_events_updated
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__log_events();
