-- A monitor run's batch changed status: its execution follows (running at the first
-- claim), and when it ends the run is settled here, deterministically, in the transaction
-- that ended it:
--   * success: the verdict (the task's output) and the grounding (its provenance) are kept;
--     the state found is normalized and compared with the one the monitor knew; then
--     notify_behavior decides: once notifies the first time the condition is met (and the
--     monitor is completed), always on every run where it is met, track_state whenever
--     the known state changes (the first run only sets it). An ungrounded answer notifies
--     no one unless config.notify_ungrounded, and changes nothing the monitor knows; muted,
--     snoozed and dry runs notify no one. condition_met, last_known_state and
--     last_notified_at record what happened.
--   * failed: nothing the monitor knows changes; after config.failure_alert_after (3)
--     failed runs in a row the run notifies the owner of the failures, once per streak.
-- Every execution says why it did or did not notify (notify_reason); a run that notifies
-- writes its notification and deliveries (orchable._notify) in this same transaction.
create function orchable.tg_task_batches__settle_monitor_run()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_execution public.monitor_executions;
    v_monitor public.monitors;
    v_task public.ai_tasks;
    v_grounding jsonb;
    v_grounded boolean;
    v_found jsonb;
    v_known jsonb;
    v_changes text;
    v_condition boolean;
    v_reason text;
    v_notify boolean := false;
    v_failures integer;
begin
    select * into v_execution from public.monitor_executions as e where e.batch_id = new.id for update;
    if not found then
        return null;
    end if;
    if new.status = 'processing' then
        update public.monitor_executions set status = 'running' where id = v_execution.id and status = 'pending';
        return null;
    end if;
    if new.status not in ('completed', 'failed', 'cancelled') or v_execution.status in ('success', 'failed', 'cancelled') then
        return null;
    end if;
    select * into v_monitor from public.monitors as m where m.id = v_execution.monitor_id for update;
    select * into v_task from public.ai_tasks as t where t.id = v_execution.task_id;

    if new.status = 'cancelled' then
        update public.monitor_executions
        set status = 'cancelled', completed_at = now(), notify_reason = 'cancelled'
        where id = v_execution.id;
        return null;
    end if;

    if new.status = 'failed' then
        v_failures := v_monitor.consecutive_failures + (not v_execution.dry_run)::integer;
        v_notify := not v_execution.dry_run
            and v_failures = coalesce((v_monitor.config ->> 'failure_alert_after')::integer, 3);
        update public.monitor_executions
        set
            status = 'failed',
            completed_at = now(),
            error_message = coalesce(v_task.error_message, 'the run failed'),
            cost_usd = new.spent_usd,
            notified = v_notify,
            notify_reason = case when v_notify then 'failures' else 'failed' end
        where id = v_execution.id;
        update public.monitors
        set
            consecutive_failures = v_failures,
            last_notified_at = case when v_notify then now() else last_notified_at end,
            updated_at = now()
        where id = v_monitor.id;
        if v_notify then
            perform orchable._notify(
                v_monitor.owner_id, 'monitor.failing',
                format('%s: %s failed checks in a row', v_monitor.name, v_failures),
                jsonb_build_object(
                    'monitor', jsonb_build_object('id', v_monitor.id, 'name', v_monitor.name),
                    'execution', jsonb_build_object('id', v_execution.id, 'started_at', v_execution.started_at),
                    'consecutive_failures', v_failures,
                    'error', left(coalesce(v_task.error_message, 'the run failed'), 2000)
                ),
                v_monitor.id, v_execution.id
            );
        end if;
        return null;
    end if;

    v_grounding := coalesce(v_task.provenance -> 'grounding', '{}');
    v_grounded := coalesce((v_grounding ->> 'grounded')::boolean, false);
    v_condition := coalesce((v_task.output_data ->> 'condition_met')::boolean, false);
    v_found := orchable._normalized_state(coalesce(v_task.output_data -> 'current_state', '{}'));
    v_known := orchable._normalized_state(v_monitor.last_known_state);
    v_changes := case
        when v_monitor.last_known_state is null then 'first check: nothing known before'
        when v_found = v_known then null
        else orchable._state_changes(v_known, v_found)
    end;

    v_reason := case v_monitor.notify_behavior
        when 'track_state' then case
            when v_monitor.last_known_state is null then 'first_state'
            when v_found = v_known then 'unchanged'
            else 'state_changed'
        end
        else case
            when not v_condition then 'condition_not_met'
            when v_monitor.state = 'completed' then 'already_notified'
            else 'condition_met'
        end
    end;
    v_notify := v_reason in ('condition_met', 'state_changed');
    if v_notify then
        v_reason := case
            when not v_grounded and not coalesce((v_monitor.config ->> 'notify_ungrounded')::boolean, false)
                then 'ungrounded'
            when v_execution.dry_run then 'dry_run'
            when v_monitor.muted then 'muted'
            when v_monitor.snoozed_until > now() then 'snoozed'
            else v_reason
        end;
        v_notify := v_reason in ('condition_met', 'state_changed');
    end if;

    update public.monitor_executions
    set
        status = 'success',
        completed_at = now(),
        result = v_task.output_data,
        condition_met = v_condition,
        change_summary = coalesce(v_changes, 'unchanged'),
        grounded = v_grounded,
        grounding_sources = v_grounding -> 'sources',
        grounding_supports = v_grounding -> 'supports',
        search_queries = array(select jsonb_array_elements_text(coalesce(v_grounding -> 'search_queries', '[]'))),
        search_entry_point = v_grounding ->> 'search_entry_point',
        cost_usd = new.spent_usd,
        notified = v_notify,
        notify_reason = v_reason
    where id = v_execution.id;

    if v_notify then
        perform orchable._notify(
            v_monitor.owner_id, 'monitor.triggered',
            v_monitor.name || ': ' || coalesce(v_task.output_data ->> 'answer', 'the condition is met'),
            jsonb_build_object(
                'monitor', jsonb_build_object(
                    'id', v_monitor.id, 'name', v_monitor.name, 'search_query', v_monitor.search_query,
                    'condition_description', v_monitor.condition_description,
                    'notify_behavior', v_monitor.notify_behavior
                ),
                'execution', jsonb_build_object(
                    'id', v_execution.id, 'started_at', v_execution.started_at, 'reason', v_reason,
                    'condition_met', v_condition, 'change_summary', coalesce(v_changes, 'unchanged'),
                    'answer', left(v_task.output_data ->> 'answer', 4000),
                    'reasoning', left(v_task.output_data ->> 'reasoning', 4000),
                    'current_state', v_task.output_data -> 'current_state',
                    'sources', coalesce(v_grounding -> 'sources', '[]')
                )
            ),
            v_monitor.id, v_execution.id
        );
    end if;

    if not v_execution.dry_run and (v_grounded or coalesce((v_monitor.config ->> 'notify_ungrounded')::boolean, false)) then
        update public.monitors
        set
            condition_met = v_condition,
            last_known_state = v_task.output_data -> 'current_state',
            last_notified_at = case when v_notify then now() else last_notified_at end,
            consecutive_failures = 0,
            state = case when v_notify and notify_behavior = 'once' then 'completed' else state end,
            next_run_at = case when v_notify and notify_behavior = 'once' then null else next_run_at end,
            updated_at = now()
        where id = v_monitor.id;
    elsif not v_execution.dry_run then
        update public.monitors set consecutive_failures = 0, updated_at = now() where id = v_monitor.id;
    end if;
    return null;
end
$$;

comment on function orchable.tg_task_batches__settle_monitor_run() is
'Settles a monitor run when its batch changes status: running, then the verdict compared with what the monitor knew and the notify decision (success), the failure streak (failed), or cancelled.';

create trigger task_batches_50_settle_monitor_run
after update of status on public.task_batches
for each row
when (old.status is distinct from new.status)
execute function orchable.tg_task_batches__settle_monitor_run();
