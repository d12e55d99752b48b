-- The timeline's task events. Each row also carries a category, a level, a sentence and
-- the batch's progress: the sentence is a concatenation and the progress is computed once
-- per batch of the statement (a CTE over the batches it names), so that the three events
-- a task writes stay about as cheap as they were. The stage is a column of its own, so
-- the detail of a claim names only its worker and a completion's is empty.
create function orchable.tg_ai_tasks__log_events()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if tg_op = 'INSERT' then
        with batches as materialized (
            select b.id,
                case when b.total_tasks = 0 then 0
                    else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 2) end as progress
            from public.task_batches as b
            where b.id in (select n.batch_id from new_tasks as n)
        )
        insert into public.task_events (
            owner_id, batch_id, task_id, event, from_status, to_status, detail,
            category, level, message, stage_key, progress
        )
        select n.owner_id, n.batch_id, n.id, 'task_status', null, n.status, '{}',
            'technical', 'debug', n.stage_key || ' queued', n.stage_key, b.progress
        from new_tasks as n
        join batches as b on b.id = n.batch_id;
    else
        with batches as materialized (
            select b.id,
                case when b.total_tasks = 0 then 0
                    else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 2) end as progress
            from public.task_batches as b
            where b.id in (select n.batch_id from new_tasks as n)
        )
        insert into public.task_events (
            owner_id, batch_id, task_id, event, from_status, to_status, detail,
            category, level, message, stage_key, progress
        )
        select n.owner_id, n.batch_id, n.id, 'task_status', o.status, n.status,
            -- The detail of a claim and of a completion, most of the events, is built
            -- directly, at about half the cost of the general form with its nulls stripped.
            case
                when n.retry_count = o.retry_count and n.status = 'processing' and n.locked_by is not null
                    then jsonb_build_object('worker', n.locked_by)
                when n.retry_count = o.retry_count and n.status in ('generated', 'completed', 'cancelled')
                    then '{}'::jsonb
                else jsonb_strip_nulls(jsonb_build_object(
                    'worker', case when n.status = 'processing' then n.locked_by end,
                    'retry_count', case when n.retry_count <> o.retry_count then n.retry_count end,
                    'error', case when n.status in ('plan', 'failed') then n.error_message end,
                    'error_code', case when n.status = 'failed' then n.error_code end
                ))
            end,
            -- Claims, retries and releases are the queue's business; what a stage produced
            -- or lost, and a person's rejection or retry, are the user's.
            case
                when n.status = 'processing' or (n.status = 'plan' and o.status = 'processing') then 'technical'
                else 'business'
            end,
            case
                when n.status = 'failed' then 'error'
                when n.status = 'cancelled' then 'warning'
                when n.status = 'plan'
                    and (o.status = 'generated' or (o.status = 'processing' and n.retry_count <> o.retry_count))
                    then 'warning'
                else 'info'
            end,
            case n.status
                when 'processing' then n.stage_key || ' started by ' || coalesce(n.locked_by, 'a worker')
                when 'completed' then n.stage_key || ' completed'
                when 'generated' then n.stage_key || ' generated, waiting for people'
                when 'failed' then n.stage_key || ' failed' || coalesce(': ' || left(n.error_message, 200), '')
                when 'cancelled' then n.stage_key || ' cancelled'
                else case
                    when o.status = 'generated' then n.stage_key || ' rejected, generating again'
                        || coalesce(': ' || left(n.error_message, 200), '')
                    when o.status in ('failed', 'cancelled') then n.stage_key || ' queued again'
                    when o.status = 'processing' and n.retry_count <> o.retry_count then n.stage_key || ' failed, retry ' || n.retry_count
                        || ' of ' || n.max_retries || coalesce(': ' || left(n.error_message, 200), '')
                    else n.stage_key || ' put back in the queue' || coalesce(': ' || left(n.error_message, 200), '')
                end
            end,
            n.stage_key,
            b.progress
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        join batches as b on b.id = n.batch_id
        where n.status is distinct from o.status;
    end if;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__log_events() is
'Statement trigger: appends a task_events row for every task created and every task status change, with its category, level, message, stage and the batch''s progress.';

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
