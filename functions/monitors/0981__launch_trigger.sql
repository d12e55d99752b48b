-- One launch of a cron trigger: its pipeline, inputs and config, named after it and the
-- time it was due, idempotent per due time.
create function orchable._launch_trigger(p_trigger public.triggers)
returns public.task_batches
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
    select orchable._launch_batch(
        (select o from public.orchestrators as o where o.id = p_trigger.orchestrator_id), p_trigger.inputs,
        left(p_trigger.name, 150) || ' '
            || to_char(p_trigger.next_run_at at time zone p_trigger.timezone, 'YYYY-MM-DD HH24:MI'),
        p_trigger.config,
        'trigger ' || p_trigger.id || ' ' || p_trigger.next_run_at
    )
$$;

comment on function orchable._launch_trigger(public.triggers) is
'Launches a cron trigger''s pipeline with its inputs and config, idempotent per due time.';
