create view public.v_runnable_tasks with (security_invoker = true) as
select
    t.*,
    case when t.status = 'processing' then t.locked_until else t.run_after end as available_at
from public.ai_tasks as t
where
    t.status in ('plan', 'processing')
    and (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
    and not exists (
        select from public.task_batches as b
        where b.id = t.batch_id and b.status in ('paused', 'cancelled')
    );

comment on view public.v_runnable_tasks is
'The tasks a worker may claim now: planned and due, or processing with an expired lease, in a batch that is not paused or cancelled.';
