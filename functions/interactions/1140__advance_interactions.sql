-- tick()'s step for people: every open interaction whose next step is due gets it, each
-- exactly once: a reminder to its endpoints, an escalation step (more endpoints and
-- responders), or its timeout, which settles it as a timeout (never as a person's
-- rejection) and does what the stage says: reject (the task fails, OR040), approve (the
-- output, with the stage's default answer), fail (OR041), cancel_batch, or escalate (the
-- escalation steps not taken yet are taken now, and after one more timeout it rejects).
-- The task is locked before the interaction, as answers lock; one being answered now is
-- skipped and done at the next tick. Returns the steps taken.
create function orchable._advance_interactions(p_now timestamptz, p_limit bigint)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_due record;
    v_interaction public.human_interactions;
    v_step jsonb;
    v_new_endpoints uuid [];
    v_steps integer := 0;
    v_answer jsonb;
    v_output jsonb;
begin
    for v_due in
        select i.id, i.task_id
        from public.human_interactions as i
        where i.status = 'pending' and i.next_step_at <= p_now
        order by i.next_step_at
        limit p_limit
    loop
        perform from public.ai_tasks as t where t.id = v_due.task_id for update skip locked;
        continue when not found;
        select * into v_interaction from public.human_interactions as i
        where i.id = v_due.id and i.status = 'pending' and i.next_step_at <= p_now
        for update;
        continue when not found;

        if v_interaction.timeout_at <= p_now and v_interaction.on_timeout <> 'escalate' then
            v_answer := v_interaction.policy -> 'default';
            v_output := coalesce((select t.output_data from public.ai_tasks as t where t.id = v_interaction.task_id), 'null');
            if v_answer is not null then
                v_output := case when jsonb_typeof(v_output) = 'object' then v_output
                    else jsonb_build_object('output', v_output) end
                    || jsonb_build_object(v_interaction.request_data ->> 'answer_key', v_answer);
            end if;
            perform orchable._settle_interaction(
                v_interaction.id, 'timeout', 'timeout_' || case v_interaction.on_timeout
                    when 'reject' then 'rejected' when 'approve' then 'approved' when 'fail' then 'failed'
                    else 'cancelled_batch' end,
                jsonb_strip_nulls(jsonb_build_object('on_timeout', v_interaction.on_timeout,
                    'timeout_at', v_interaction.timeout_at, 'answer', case when v_interaction.on_timeout = 'approve' then v_answer end)),
                case v_interaction.on_timeout when 'reject' then 'fail' when 'approve' then 'complete' else v_interaction.on_timeout end,
                v_output,
                case v_interaction.on_timeout when 'reject' then 'OR040' when 'fail' then 'OR041' end,
                format('nobody answered the %s by %s: %s', v_interaction.interaction_type, v_interaction.timeout_at,
                    case v_interaction.on_timeout
                        when 'reject' then 'rejected' when 'fail' then 'failed'
                        when 'cancel_batch' then 'the batch is cancelled' else 'approved' end)
            );
        elsif v_interaction.timeout_at <= p_now
            or v_interaction.created_at + (v_interaction.policy -> 'escalation' -> v_interaction.escalation_level ->> 'after')::interval
            <= p_now then
            -- An escalation step; at an escalating timeout, every step not taken yet, and a
            -- second round that rejects when it runs out.
            for v_step in
                select s.step from jsonb_array_elements(v_interaction.policy -> 'escalation') with ordinality as s (step, position)
                where s.position > v_interaction.escalation_level
                    and (v_interaction.timeout_at <= p_now or s.position = v_interaction.escalation_level + 1)
                order by s.position
            loop
                v_new_endpoints := array(
                    select e from unnest(orchable._interaction_endpoints(
                        v_interaction.owner_id, '["email", "webhook", "slack"]', coalesce(v_step -> 'endpoints', '[]')
                    )) as e
                    except select unnest(v_interaction.endpoint_ids)
                );
                update public.human_interactions
                set escalation_level = escalation_level + 1,
                    endpoint_ids = endpoint_ids || v_new_endpoints,
                    responder_ids = array(
                        select distinct r from unnest(responder_ids || array(
                            select jsonb_array_elements_text(coalesce(v_step -> 'responders', '[]'))::uuid
                        )) as r
                    ),
                    updated_at = now()
                where id = v_interaction.id
                returning * into v_interaction;
                perform orchable._log_event(
                    v_interaction.batch_id, v_interaction.task_id, 'interaction', 'escalated',
                    jsonb_build_object('interaction_id', v_interaction.id, 'level', v_interaction.escalation_level, 'step', v_step),
                    format('Nobody answered yet: escalated (step %s)', v_interaction.escalation_level), 'business', 'warning'
                );
                perform orchable._tell_people(v_interaction, 'interaction.escalated', v_interaction.endpoint_ids);
            end loop;
            if v_interaction.timeout_at <= p_now then
                update public.human_interactions
                set on_timeout = 'reject', timeout_at = p_now + (policy ->> 'timeout')::interval, updated_at = now()
                where id = v_interaction.id
                returning * into v_interaction;
            end if;
        else
            update public.human_interactions
            set reminders_sent = reminders_sent + 1, updated_at = now()
            where id = v_interaction.id
            returning * into v_interaction;
            perform orchable._log_event(
                v_interaction.batch_id, v_interaction.task_id, 'interaction', 'reminded',
                jsonb_build_object('interaction_id', v_interaction.id, 'reminder', v_interaction.reminders_sent),
                format('Nobody answered yet: reminder %s sent', v_interaction.reminders_sent)
            );
            perform orchable._tell_people(v_interaction, 'interaction.reminder', v_interaction.endpoint_ids);
        end if;
        update public.human_interactions
        set next_step_at = orchable._next_interaction_step(v_interaction)
        where id = v_interaction.id and status = 'pending';
        v_steps := v_steps + 1;
    end loop;
    return v_steps;
end
$$;

comment on function orchable._advance_interactions(timestamptz, bigint) is
'tick()''s step for people: sends due reminders, takes due escalation steps and applies due timeouts, each exactly once; returns the steps taken.';
