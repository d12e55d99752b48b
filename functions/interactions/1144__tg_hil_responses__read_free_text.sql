-- A free-text answer awaiting classification is given to a model to read, in the
-- transaction that stored it: a one-task batch of the owner's "answers (orchable)"
-- pipeline, settled by orchable.tg_task_batches__settle_answer_reading. Its interaction is
-- the one it names; else, for a reply in a Slack message's thread, the one that message
-- asked (the delivery the worker reported as <channel>:<ts>); else the only one open on its
-- endpoint. With none or several it is filtered out at once, and an answer to an
-- interaction that has ended is late, unread.
create function orchable.tg_hil_responses__read_free_text()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_interaction public.human_interactions;
    v_open integer;
    v_pipeline_id uuid;
    v_pipeline public.orchestrators;
    v_request jsonb;
begin
    if new.interaction_id is null and new.source_channel = 'slack' then
        new.interaction_id := (
            select n.interaction_id
            from public.notification_deliveries as d
            join public.notifications as n on d.notification_id = n.id
            where d.endpoint_id = new.endpoint_id
                and d.external_id = (new.raw_payload -> 'event' ->> 'channel') || ':'
                || (new.raw_payload -> 'event' ->> 'thread_ts')
            limit 1
        );
    end if;
    if new.interaction_id is not null then
        select * into v_interaction from public.human_interactions as i where i.id = new.interaction_id;
    else
        select count(*)::integer into v_open
        from public.human_interactions as i
        where i.owner_id = new.owner_id and i.status = 'pending' and new.endpoint_id = any(i.endpoint_ids);
        if v_open <> 1 then
            new.status := 'filtered_out';
            new.reason := format('it names no interaction, and %s are open on its endpoint', v_open);
            new.processed_at := now();
            return new;
        end if;
        select * into v_interaction
        from public.human_interactions as i
        where i.owner_id = new.owner_id and i.status = 'pending' and new.endpoint_id = any(i.endpoint_ids);
    end if;
    if v_interaction.id is null then
        new.status := 'filtered_out';
        new.reason := 'unknown interaction';
        new.processed_at := now();
        return new;
    end if;
    if v_interaction.status <> 'pending' then
        new.status := 'late';
        new.reason := format('the interaction had ended (%s) before the reply was read', v_interaction.status);
        new.matched_interaction_id := v_interaction.id;
        new.processed_at := now();
        return new;
    end if;

    v_request := v_interaction.request_data;
    -- Made (on the owner's first free-text answer) in a statement of its own, then read.
    v_pipeline_id := orchable._answer_reader_pipeline(new.owner_id);
    select * into strict v_pipeline from public.orchestrators as o where o.id = v_pipeline_id;
    new.interaction_id := v_interaction.id;
    new.reading_batch_id := (orchable._launch_batch(
        v_pipeline,
        jsonb_build_array(jsonb_build_object(
            'hil_response_id', new.id,
            'interaction_id', v_interaction.id,
            'question', coalesce(v_request ->> 'message', 'Do you approve?'),
            'asks', case v_interaction.interaction_type
                when 'selection' then 'a selection among these options (value: label): ' || (
                    select string_agg(format('%s: %s', o ->> 'value', coalesce(o ->> 'label', o ->> 'value')), '; ')
                    from jsonb_array_elements(v_request -> 'options') as o
                )
                when 'input' then 'an input; the answer is an object that fits this JSON schema: '
                    || coalesce(v_request -> 'input_schema', '{}')::text
                else format('an %s: approve or reject', v_interaction.interaction_type)
            end || '.',
            'reply', new.free_text
        )),
        'reading an answer to: ' || left(coalesce(v_request ->> 'message', v_interaction.interaction_type), 120),
        '{}',
        'reading answer ' || new.id
    )).id;
    return new;
end
$$;

comment on function orchable.tg_hil_responses__read_free_text() is
'Launches the reading of a free-text answer awaiting classification (one task of the owner''s "answers (orchable)" pipeline), or files it at once as filtered_out (no single open interaction) or late.';

create trigger hil_responses_20_read_free_text
before insert or update of reason on public.hil_responses
for each row
when (new.status = 'unprocessed' and new.reason = 'awaiting classification' and new.reading_batch_id is null)
execute function orchable.tg_hil_responses__read_free_text();
