-- A task that enters generated waits for people: its interaction is written here, in the
-- transaction that stores the output, so no answer can arrive before the question exists
-- and every answer names this interaction's id. The stage's `interaction` says what is
-- asked (requires_approval alone is an in-app approval with no timeout). A task that
-- leaves generated without an answer (its batch cancelled) cancels its open interaction;
-- after an answer or a timeout the interaction is already settled and nothing happens.
create function orchable.tg_ai_tasks__ask_people()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_template public.prompt_templates;
    v_config jsonb;
    v_parsed record;
    v_rendered record;
    v_message text;
    v_endpoint_ids uuid [];
    v_interaction public.human_interactions;
    v_timeout interval;
begin
    if old.status = 'generated' then
        update public.human_interactions
        set status = 'cancelled', outcome = 'cancelled', responded_at = now(), next_step_at = null, updated_at = now()
        where task_id = new.id and status = 'pending'
        returning * into v_interaction;
        if found then
            update public.batch_pauses
            set status = 'cancelled', resumed_at = now(), resume_trigger = 'cancel', updated_at = now()
            where interaction_id = v_interaction.id and status = 'active';
            perform orchable._log_event(
                new.batch_id, new.id, 'interaction', 'cancelled',
                jsonb_build_object('interaction_id', v_interaction.id, 'task_status', new.status),
                format('The %s was cancelled: the task is %s', v_interaction.interaction_type, new.status)
            );
        end if;
        return null;
    end if;

    select * into v_template from public.prompt_templates as p where p.id = new.prompt_template_id;
    v_config := coalesce(v_template.stage_config -> 'interaction', jsonb_build_object(
        'type', 'approval', 'channels', jsonb_build_array('in_app'), 'required_approvals', 1, 'priority', 'normal',
        'answer_key', 'human', 'on_reject', 'regenerate'
    ));
    v_message := v_config ->> 'message';
    if v_message is not null then
        v_parsed := orchable._parse_template(v_message);
        v_rendered := orchable._render_template(
            v_parsed.parts, v_parsed.names, new.input_data || jsonb_build_object('output', new.output_data), 4000
        );
        v_message := coalesce(v_rendered.rendered, v_message);
    end if;
    v_message := left(coalesce(v_message, case v_config ->> 'type'
        when 'approval' then format('Approve the output of "%s"?', coalesce(v_template.name, new.stage_key))
        when 'review' then format('Review the output of "%s"', coalesce(v_template.name, new.stage_key))
        when 'selection' then format('Choose for "%s"', coalesce(v_template.name, new.stage_key))
        else format('Answer for "%s"', coalesce(v_template.name, new.stage_key))
    end), 4000);
    v_endpoint_ids := orchable._interaction_endpoints(new.owner_id, v_config -> 'channels', v_config -> 'endpoints');
    v_timeout := (v_config ->> 'timeout')::interval;

    insert into public.human_interactions (
        id, owner_id, orchestrator_id, batch_id, task_id, stage_key, interaction_type, channel_type, channels,
        endpoint_ids, responder_ids, priority, required_approvals, request_data, timeout_at, on_timeout,
        correlation_id, policy
    )
    select
        v.id, new.owner_id, new.orchestrator_id, new.batch_id, new.id, new.stage_key, v_config ->> 'type',
        v_config -> 'channels' ->> 0,
        array(select jsonb_array_elements_text(v_config -> 'channels')),
        v_endpoint_ids,
        case when v_config ? 'responders'
            then array(select r::uuid from jsonb_array_elements_text(v_config -> 'responders') as r)
            else array[new.owner_id]
        end,
        v_config ->> 'priority',
        (v_config ->> 'required_approvals')::integer,
        jsonb_strip_nulls(jsonb_build_object(
            'message', v_message,
            'input', new.input_data,
            'output', new.output_data,
            'options', v_config -> 'options',
            'input_schema', v_config -> 'input_schema',
            'allowed_decisions', case v_config ->> 'type'
                when 'selection' then '["select", "reject"]'::jsonb
                when 'input' then '["answer", "reject"]'::jsonb
                else '["approve", "reject"]'::jsonb
            end,
            'answer_key', v_config -> 'answer_key',
            'on_reject', v_config -> 'on_reject'
        )),
        now() + v_timeout,
        coalesce(v_config ->> 'on_timeout', 'reject'),
        'orchable:' || v.id,
        jsonb_strip_nulls(jsonb_build_object(
            'timeout', v_config -> 'timeout',
            'reminders', v_config -> 'reminders',
            'escalation', v_config -> 'escalation',
            'default', v_config -> 'default'
        ))
    from (select orchable.time_ordered_uuid() as id) as v
    returning * into v_interaction;

    update public.human_interactions
    set next_step_at = orchable._next_interaction_step(v_interaction)
    where id = v_interaction.id
    returning * into v_interaction;

    insert into public.batch_pauses (owner_id, batch_id, task_id, interaction_id, reason, detail)
    values (new.owner_id, new.batch_id, new.id, v_interaction.id, 'interaction',
        jsonb_build_object('interaction_type', v_interaction.interaction_type, 'timeout_at', v_interaction.timeout_at));
    perform orchable._log_event(
        new.batch_id, new.id, 'interaction', 'requested',
        jsonb_build_object('interaction_id', v_interaction.id, 'interaction_type', v_interaction.interaction_type,
            'channels', v_interaction.channels, 'timeout_at', v_interaction.timeout_at),
        'Waiting for people: ' || left(v_message, 200)
    );
    perform orchable._tell_people(v_interaction, 'interaction.requested', v_endpoint_ids);
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__ask_people() is
'Row trigger: a task entering generated opens its interaction (and asks through its channels); one leaving generated unanswered cancels it.';

create trigger ai_tasks_20_ask_people
after update of status on public.ai_tasks
for each row
when (new.status is distinct from old.status and (new.status = 'generated' or old.status = 'generated'))
execute function orchable.tg_ai_tasks__ask_people();
