-- The batches that hold their tasks back are read once per query into an array (an
-- InitPlan), not joined: the claim then reads ai_tasks_runnable_idx in due order and stops
-- at its limit whatever the planner guesses about held batches. As an anti-join, a paused
-- batch with many tasks made it sort every runnable task on each claim.
create view public.v_runnable_tasks with (security_invoker = true) as
select
    t.*,
    case when t.status = 'processing' then t.locked_until else t.run_after end as available_at
from public.ai_tasks as t
where
    t.status in ('plan', 'processing')
    and (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
    and t.batch_id <> all(array(
        select b.id from public.task_batches as b
        where b.status in ('paused', 'cancelled')
    ));

comment on view public.v_runnable_tasks is
'The tasks a worker may claim now: planned and due, or processing with an expired lease, in a batch that is not paused or cancelled.';
