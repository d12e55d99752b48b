create view public.v_stage_progress with (security_invoker = true) as
select
    t.batch_id,
    t.stage_key,
    min(t.step_number) as step_number,
    count(*) as task_count,
    count(*) filter (where t.status = 'plan') as plan_count,
    count(*) filter (where t.status = 'processing') as processing_count,
    count(*) filter (where t.status = 'generated') as generated_count,
    count(*) filter (where t.status = 'completed') as completed_count,
    count(*) filter (where t.status = 'failed') as failed_count,
    count(*) filter (where t.status = 'cancelled') as cancelled_count
from public.ai_tasks as t
group by t.batch_id, t.stage_key;

comment on view public.v_stage_progress is
'Task counts by status for each stage of each batch.';
comment on column public.v_stage_progress.step_number is 'The stage''s depth in the task tree, to list stages in order.';
