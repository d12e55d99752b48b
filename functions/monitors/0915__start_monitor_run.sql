-- Starts one run of a monitor: its execution record, and a batch of the owner's monitor
-- pipeline whose one task searches (orchable._monitor_pipeline). The run's input carries
-- what the monitor knows, for the prompt to compare with; the monitor's config picks the
-- model. Settled by orchable.tg_task_batches__settle_monitor_run when the batch ends.
create function orchable._start_monitor_run(
    p_monitor public.monitors,
    p_scheduled_for timestamptz,
    p_dry_run boolean
)
returns public.monitor_executions
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_execution public.monitor_executions;
    -- Made (on the owner's first run) in a statement of its own, then read.
    v_pipeline_id uuid := orchable._monitor_pipeline(p_monitor.owner_id);
    v_pipeline public.orchestrators;
    v_batch public.task_batches;
begin
    select * into strict v_pipeline from public.orchestrators as o where o.id = v_pipeline_id;
    -- Time-ordered ids: a monitor's runs started in one transaction still sort in order.
    insert into public.monitor_executions (id, monitor_id, owner_id, scheduled_for, dry_run)
    values (orchable.time_ordered_uuid(), p_monitor.id, p_monitor.owner_id, p_scheduled_for, p_dry_run)
    returning * into v_execution;
    v_batch := orchable._launch_batch(
        v_pipeline,
        jsonb_build_array(jsonb_build_object(
            'monitor_id', p_monitor.id,
            'execution_id', v_execution.id,
            'search_query', p_monitor.search_query,
            'condition_description', p_monitor.condition_description,
            'last_known_state', coalesce(p_monitor.last_known_state, '"nothing yet: this is the first check"'),
            'last_checked_at', coalesce(to_char(p_monitor.last_run_at at time zone p_monitor.timezone,
                'YYYY-MM-DD HH24:MI'), 'never'),
            'now', to_char(now() at time zone p_monitor.timezone, 'YYYY-MM-DD HH24:MI')
                || ' (' || p_monitor.timezone || ')'
        )),
        left(p_monitor.name, 150) || ': ' || case when p_dry_run then 'dry run' else 'run' end,
        jsonb_build_object('ai_settings', jsonb_strip_nulls(jsonb_build_object(
            'model', p_monitor.config -> 'model',
            'fallback_models', p_monitor.config -> 'fallback_models'
        ))),
        'monitor run ' || v_execution.id
    );
    update public.monitor_executions as e
    set
        batch_id = v_batch.id,
        task_id = (select t.id from public.ai_tasks as t where t.batch_id = v_batch.id)
    where e.id = v_execution.id
    returning * into v_execution;
    return v_execution;
end
$$;

comment on function orchable._start_monitor_run(public.monitors, timestamptz, boolean) is
'Records a monitor execution and launches its run (one grounded_search task in a batch of its own); p_dry_run: the run notifies no one and changes nothing the monitor knows.';
