-- Keeps orchable.task_trees (open, failed and cancelled tasks per input) and the batch
-- counters in step with task statuses, once per statement: a bulk change costs one update
-- per tree and one per batch. An input is completed when its tree has nothing open and
-- nothing failed, failed as soon as one of its tasks failed for good.
--
-- The transition tables are read once into arrays: statements that name a transition
-- table are planned anew at every call, statements over array parameters keep their plan.
-- Every counter is computed in the SET of the UPDATE from the row it locked, so two
-- transactions that finish inputs of one batch at once both count. It fires last of the
-- statement's triggers (90): the batch row stays locked from here to the commit, and
-- other completions of the batch wait for it, so nothing else should run in between.
create function orchable.tg_ai_tasks__count()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_root_ids uuid [];
    v_batch_ids uuid [];
    v_open_deltas integer [];
    v_failed_deltas integer [];
    v_cancelled_deltas integer [];
    v_started boolean [];
    v_root_counts integer [];
begin
    if tg_op = 'INSERT' then
        select array_agg(root_task_id), array_agg(batch_id), array_agg(task_count), array_agg(root_count)
        into v_root_ids, v_batch_ids, v_open_deltas, v_root_counts
        from (
            select n.root_task_id, n.batch_id, count(*)::integer as task_count,
                count(*) filter (where n.parent_task_id is null)::integer as root_count
            from new_tasks as n
            group by n.root_task_id, n.batch_id
        ) as c;

        insert into orchable.task_trees as t (root_task_id, batch_id, open_count)
        select c.root_task_id, c.batch_id, c.task_count
        from unnest(v_root_ids, v_batch_ids, v_open_deltas) as c (root_task_id, batch_id, task_count)
        on conflict (root_task_id) do update set open_count = t.open_count + excluded.open_count;

        update public.task_batches as b
        set total_tasks = b.total_tasks + r.root_count, updated_at = now()
        from (
            select c.batch_id, sum(c.root_count)::integer as root_count
            from unnest(v_batch_ids, v_root_counts) as c (batch_id, root_count)
            group by c.batch_id
            having sum(c.root_count) > 0
        ) as r
        where b.id = r.batch_id;
        return null;
    end if;

    select array_agg(root_task_id), array_agg(batch_id), array_agg(open_delta), array_agg(failed_delta),
        array_agg(cancelled_delta), array_agg(started)
    into v_root_ids, v_batch_ids, v_open_deltas, v_failed_deltas, v_cancelled_deltas, v_started
    from (
        select
            n.root_task_id,
            n.batch_id,
            sum((n.status in ('plan', 'processing', 'generated'))::integer
                - (o.status in ('plan', 'processing', 'generated'))::integer)::integer as open_delta,
            sum((n.status = 'failed')::integer - (o.status = 'failed')::integer)::integer as failed_delta,
            sum((n.status = 'cancelled')::integer - (o.status = 'cancelled')::integer)::integer as cancelled_delta,
            bool_or(n.status = 'processing' and o.status = 'plan') as started
        from new_tasks as n
        join old_tasks as o on o.id = n.id
        where n.status is distinct from o.status
        group by n.root_task_id, n.batch_id
    ) as c;
    if v_root_ids is null then
        return null;
    end if;

    with trees as (
        update orchable.task_trees as t
        set
            open_count = t.open_count + d.open_delta,
            failed_count = t.failed_count + d.failed_delta,
            cancelled_count = t.cancelled_count + d.cancelled_delta
        from unnest(v_root_ids, v_open_deltas, v_failed_deltas, v_cancelled_deltas)
            as d (root_task_id, open_delta, failed_delta, cancelled_delta)
        where t.root_task_id = d.root_task_id
            and (d.open_delta <> 0 or d.failed_delta <> 0 or d.cancelled_delta <> 0)
        returning
            t.batch_id, t.open_count, t.failed_count, t.cancelled_count,
            d.open_delta as open_change, d.failed_delta as failed_change, d.cancelled_delta as cancelled_change
    ),
    -- An input is failed as soon as a task of it failed for good, completed when nothing
    -- of it is open, failed or cancelled; its outcome before this statement and after it.
    outcome_deltas as (
        select
            batch_id,
            sum(
                (failed_count = 0 and open_count = 0 and cancelled_count = 0)::integer
                - (failed_count = failed_change and open_count = open_change and cancelled_count = cancelled_change)::integer
            )::integer as completed_delta,
            sum((failed_count > 0)::integer - (failed_count > failed_change)::integer)::integer as failed_delta
        from trees
        group by batch_id
    ),
    started_batches as (
        select distinct s.batch_id from unnest(v_batch_ids, v_started) as s (batch_id, started) where s.started
    ),
    deltas as (
        select
            coalesce(o.batch_id, s.batch_id) as batch_id,
            coalesce(o.completed_delta, 0) as completed_delta,
            coalesce(o.failed_delta, 0) as failed_delta,
            s.batch_id is not null as started
        from outcome_deltas as o
        full join started_batches as s on s.batch_id = o.batch_id
    )
    update public.task_batches as b
    set
        completed_tasks = b.completed_tasks + d.completed_delta,
        failed_tasks = b.failed_tasks + d.failed_delta,
        status = orchable._batch_status(
            case when d.started and b.status = 'pending' then 'processing' else b.status end,
            b.total_tasks, b.completed_tasks + d.completed_delta, b.failed_tasks + d.failed_delta),
        started_at = case when d.started then coalesce(b.started_at, now()) else b.started_at end,
        finished_at = case
            when orchable._batch_status(
                case when d.started and b.status = 'pending' then 'processing' else b.status end,
                b.total_tasks, b.completed_tasks + d.completed_delta, b.failed_tasks + d.failed_delta
            ) in ('completed', 'failed', 'cancelled') then coalesce(b.finished_at, now())
        end,
        updated_at = now()
    from deltas as d
    where b.id = d.batch_id
        and (d.completed_delta <> 0 or d.failed_delta <> 0 or (d.started and b.status = 'pending'));
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__count() is
'Statement trigger: updates task tree counts and batch counters and status from the tasks a statement created or changed.';

create trigger ai_tasks_90_count_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__count();

create trigger ai_tasks_90_count_updated
after update on public.ai_tasks
referencing old table as old_tasks new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__count();
