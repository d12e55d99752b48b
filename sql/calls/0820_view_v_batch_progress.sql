-- One row per batch. Each lateral part reads one batch's rows through an index that
-- starts with batch_id (and, for reads under RLS, owner_id):
-- ai_tasks_batch_id_owner_id_stage_key_status_idx, llm_calls_batch_id_owner_id_created_at_idx
-- and task_events_batch_id_completed_created_at_idx.
create view public.v_batch_progress with (security_invoker = true) as
select
    b.id as batch_id,
    b.name,
    b.status,
    b.status_reason,
    b.total_tasks,
    b.completed_tasks,
    b.failed_tasks,
    case
        when b.total_tasks = 0 then 0
        else round(100.0 * (b.completed_tasks + b.failed_tasks) / b.total_tasks, 1)
    end::numeric(5, 1) as percent_done,
    t.plan_count,
    t.processing_count,
    t.generated_count,
    t.completed_count,
    t.failed_count,
    t.cancelled_count,
    c.llm_call_count,
    c.input_tokens,
    c.output_tokens,
    c.cached_tokens,
    c.cost_usd,
    case
        when jsonb_typeof(b.config -> 'budget_usd') = 'number' then (b.config ->> 'budget_usd')::numeric
    end as budget_usd,
    r.tasks_per_minute,
    case
        when r.tasks_per_minute > 0
            then make_interval(
                secs => round((t.plan_count + t.processing_count + t.generated_count) * 60 / r.tasks_per_minute)
            )
    end as eta,
    b.started_at,
    b.finished_at
from public.task_batches as b
cross join
    lateral (
        select
            count(*) filter (where a.status = 'plan') as plan_count,
            count(*) filter (where a.status = 'processing') as processing_count,
            count(*) filter (where a.status = 'generated') as generated_count,
            count(*) filter (where a.status = 'completed') as completed_count,
            count(*) filter (where a.status = 'failed') as failed_count,
            count(*) filter (where a.status = 'cancelled') as cancelled_count
        from public.ai_tasks as a
        where a.batch_id = b.id
    ) as t
cross join
    lateral (
        select
            count(*) as llm_call_count,
            coalesce(sum(l.input_tokens), 0)::bigint as input_tokens,
            coalesce(sum(l.output_tokens), 0)::bigint as output_tokens,
            coalesce(sum(l.cached_tokens), 0)::bigint as cached_tokens,
            coalesce(sum(l.cost_usd), 0)::numeric(14, 8) as cost_usd
        from public.llm_calls as l
        where l.batch_id = b.id
    ) as c
cross join lateral (
    select round(count(*) / 5.0, 2) as tasks_per_minute
    from public.task_events as e
    where
        e.batch_id = b.id
        and e.event = 'task_status'
        and e.to_status = 'completed'
        and e.created_at >= now() - interval '5 minutes'
) as r;

comment on view public.v_batch_progress is
'Progress, spend and pace of each batch: inputs finished, task counts by status, LLM calls, tokens and cost,
budget, tasks completed per minute over the last 5 minutes and the time left at that pace (eta).';
