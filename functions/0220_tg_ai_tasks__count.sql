-- Keeps orchable.task_trees (open, failed and cancelled tasks per input) and the batch
-- counters in step with task statuses, once per statement: a bulk change costs one update
-- per tree and one per batch. An input is completed when its tree has nothing open and
-- nothing failed, failed as soon as one of its tasks failed for good.
create function orchable.tg_ai_tasks__count()
returns trigger
language plpgsql
set search_path = ''
as $$
begin
    if tg_op = 'INSERT' then
        insert into orchable.task_trees as t (root_task_id, batch_id, open_count)
        select n.root_task_id, n.batch_id, count(*)
        from new_tasks as n
        group by n.root_task_id, n.batch_id
        on conflict (root_task_id) do update set open_count = t.open_count + excluded.open_count;

        update public.task_batches as b
        set total_tasks = b.total_tasks + r.root_count, updated_at = now()
        from (
            select n.batch_id, count(*)::integer as root_count
            from new_tasks as n where n.parent_task_id is null group by n.batch_id
        ) as r
        where b.id = r.batch_id;
        return null;
    end if;

    with changes as (
        select
            n.root_task_id,
            n.batch_id,
            (n.status in ('plan', 'processing', 'generated'))::integer
            - (o.status in ('plan', 'processing', 'generated'))::integer as open_delta,
            (n.status = 'failed')::integer - (o.status = 'failed')::integer as failed_delta,
            (n.status = 'cancelled')::integer - (o.status = 'cancelled')::integer as cancelled_delta,
            n.status = 'processing' and o.status = 'plan' as started
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        where n.status is distinct from o.status
    ),
    tree_deltas as (
        select root_task_id, sum(open_delta)::integer as open_delta,
            sum(failed_delta)::integer as failed_delta, sum(cancelled_delta)::integer as cancelled_delta
        from changes
        group by root_task_id
        having sum(open_delta) <> 0 or sum(failed_delta) <> 0 or sum(cancelled_delta) <> 0
    ),
    trees as (
        update orchable.task_trees as t
        set
            open_count = t.open_count + d.open_delta,
            failed_count = t.failed_count + d.failed_delta,
            cancelled_count = t.cancelled_count + d.cancelled_delta
        from tree_deltas as d
        where t.root_task_id = d.root_task_id
        returning
            t.batch_id,
            orchable._root_outcome(t.open_count - d.open_delta, t.failed_count - d.failed_delta,
                t.cancelled_count - d.cancelled_delta) as old_outcome,
            orchable._root_outcome(t.open_count, t.failed_count, t.cancelled_count) as new_outcome
    ),
    batch_deltas as (
        select
            coalesce(tr.batch_id, s.batch_id) as batch_id,
            coalesce(tr.completed_delta, 0) as completed_delta,
            coalesce(tr.failed_delta, 0) as failed_delta,
            s.batch_id is not null as started
        from (
            select batch_id,
                sum((new_outcome = 'completed')::integer - (old_outcome = 'completed')::integer)::integer as completed_delta,
                sum((new_outcome = 'failed')::integer - (old_outcome = 'failed')::integer)::integer as failed_delta
            from trees
            group by batch_id
        ) as tr
        full join (select distinct batch_id from changes where started) as s on s.batch_id = tr.batch_id
    ),
    next_state as (
        select
            b.id,
            b.completed_tasks + d.completed_delta as completed_tasks,
            b.failed_tasks + d.failed_delta as failed_tasks,
            orchable._batch_status(
                case when d.started and b.status = 'pending' then 'processing' else b.status end,
                b.total_tasks, b.completed_tasks + d.completed_delta, b.failed_tasks + d.failed_delta
            ) as status
        from public.task_batches as b
        join batch_deltas as d on d.batch_id = b.id
        where d.completed_delta <> 0 or d.failed_delta <> 0 or (d.started and b.status = 'pending')
    )
    update public.task_batches as b
    set
        completed_tasks = s.completed_tasks,
        failed_tasks = s.failed_tasks,
        status = s.status,
        started_at = coalesce(b.started_at, case when s.status <> 'pending' then now() end),
        finished_at = case when s.status in ('completed', 'failed', 'cancelled') then coalesce(b.finished_at, now()) end,
        updated_at = now()
    from next_state as s
    where b.id = s.id;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__count() is
'Statement trigger: updates task tree counts and batch counters and status from the tasks a statement created or changed.';

create trigger ai_tasks_20_count_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__count();

create trigger ai_tasks_20_count_updated
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__count();
