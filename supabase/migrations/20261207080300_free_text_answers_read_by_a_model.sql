-- Delta from the sources below, written by scripts/new-migration.sh; the limit's row by hand.

-- sql/platform/0030_table_limits.sql (the new row)
insert into orchable.limits (name, value, description) values
(
    'answer_relevance_percent', 70,
    'relevance (in percent) a free-text answer''s reading must reach to count as an answer; below it is filtered_out'
)
on conflict (name) do nothing;

-- functions/interactions/1142__answer_reader_pipeline.sql
-- The pipeline an owner's free-text answers are read in, made on the first one: one stage
-- that reads a reply (a Slack thread reply, a webhook's prose) against the question it
-- answers and says how relevant it is, the decision it reads and why. It is an ordinary
-- pipeline of theirs ("answers (orchable)"): its costs and tasks show as any other's.
create or replace function orchable._answer_reader_pipeline(p_owner_id uuid)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_name constant text := 'answers (orchable)';
    v_id uuid;
begin
    select o.id into v_id from public.orchestrators as o where o.owner_id = p_owner_id and o.name = v_name;
    if found then
        return v_id;
    end if;
    return (orchable_rpc.upsert_orchestrator(jsonb_build_object(
        'name', v_name,
        'owner_id', p_owner_id,
        'description', 'Free-text answers to your pipelines'' questions, read by a model (made by orchable).',
        'entry', 'read',
        'stages', jsonb_build_array(jsonb_build_object(
            'key', 'read',
            'max_retries', 2,
            'template', concat_ws(e'\n',
                'A person was asked: {{question}}',
                'It is {{asks}}',
                'They replied, in their own words: {{reply}}',
                'relevance: from 0 to 1, how plainly the reply answers this question (0: small talk,',
                'another topic, an out-of-office note; 1: it answers it beyond doubt).',
                'decision: approve or reject (for an approval or a review), select (for a selection;',
                'choice is the value of the option the reply picks), answer (for an input; answer is',
                'the object asked for), or none when the reply does not answer.',
                'reasoning: why, in one or two sentences.'
            ),
            'output_schema', jsonb_build_object(
                'type', 'object',
                'properties', jsonb_build_object(
                    'relevance', jsonb_build_object('type', 'number', 'minimum', 0, 'maximum', 1),
                    'decision', jsonb_build_object('type', 'string',
                        'enum', jsonb_build_array('approve', 'reject', 'select', 'answer', 'none')),
                    'choice', jsonb_build_object('type', 'string'),
                    'answer', jsonb_build_object('type', 'object'),
                    'reasoning', jsonb_build_object('type', 'string')
                ),
                'required', jsonb_build_array('relevance', 'decision', 'reasoning')
            )
        ))
    ))).id;
end
$$;

comment on function orchable._answer_reader_pipeline(uuid) is
'The id of the owner''s "answers (orchable)" pipeline (one stage, "read", that classifies a free-text answer), made on first use.';

-- functions/interactions/1144__tg_hil_responses__read_free_text.sql
-- A free-text answer awaiting classification is given to a model to read, in the
-- transaction that stored it: a one-task batch of the owner's "answers (orchable)"
-- pipeline, settled by orchable.tg_task_batches__settle_answer_reading. Its interaction is
-- the one it names, or else the only one open on its endpoint; with none or several it is
-- filtered out at once, and an answer to an interaction that has ended is late, unread.
create or replace function orchable.tg_hil_responses__read_free_text()
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

drop trigger if exists hil_responses_20_read_free_text on public.hil_responses;
create trigger hil_responses_20_read_free_text
before insert or update of reason on public.hil_responses
for each row
when (new.status = 'unprocessed' and new.reason = 'awaiting classification' and new.reading_batch_id is null)
execute function orchable.tg_hil_responses__read_free_text();

-- functions/interactions/1146__tg_task_batches__settle_answer_reading.sql
-- The reading of a free-text answer ended: the answer is settled here, in the transaction
-- that ended it. A reading below the relevance threshold (the limit
-- answer_relevance_percent) or with no decision is filtered out; any other is answered
-- through orchable._answer_interaction as what it reads (an approval or rejection with the
-- reply as its reason or comment, an option, an input), and is then matched, late or a
-- duplicate as any answer would be, or filtered out when what it reads does not fit. A
-- reading that failed leaves the answer in error. The score and reasoning are kept.
create or replace function orchable.tg_task_batches__settle_answer_reading()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_response public.hil_responses;
    v_reading jsonb;
    v_relevance numeric;
    v_threshold numeric := orchable._limit('answer_relevance_percent') / 100.0;
    v_decision text;
    v_type text;
    v_answer jsonb;
    v_outcome text;
    v_status_after text;
    v_status text;
    v_reason text;
begin
    if new.status not in ('completed', 'failed', 'cancelled') then
        return null;
    end if;
    select * into v_response
    from public.hil_responses as r where r.reading_batch_id = new.id and r.status = 'unprocessed'
    for update;
    if not found then
        return null;
    end if;
    if new.status <> 'completed' then
        update public.hil_responses
        set status = 'error', processed_at = now(),
            reason = left('its reading failed: ' || coalesce(
                (select t.error_message from public.ai_tasks as t where t.batch_id = new.id limit 1), new.status
            ), 500)
        where id = v_response.id;
        return null;
    end if;

    v_reading := (select t.output_data from public.ai_tasks as t where t.batch_id = new.id limit 1);
    v_relevance := least(greatest(coalesce((v_reading ->> 'relevance')::numeric, 0), 0), 1);
    v_decision := coalesce(v_reading ->> 'decision', 'none');
    v_type := (select i.interaction_type from public.human_interactions as i where i.id = v_response.interaction_id);
    v_answer := case
        when v_decision in ('approve', 'reject') and v_type = 'review'
            then jsonb_build_object('decision', v_decision, 'comment', left(v_response.free_text, 2000))
        when v_decision in ('approve', 'reject')
            then jsonb_build_object('decision', v_decision, 'reason', left(v_response.free_text, 2000))
        when v_decision = 'select' then jsonb_build_object('choice', v_reading -> 'choice')
        when v_decision = 'answer' then jsonb_build_object('answer', v_reading -> 'answer')
    end;
    if v_relevance < v_threshold then
        v_status := 'filtered_out';
        v_reason := format('not read as an answer: relevance %s, below %s', round(v_relevance, 2), round(v_threshold, 2));
    elsif v_answer is null then
        v_status := 'filtered_out';
        v_reason := 'read as no decision';
    else
        begin
            select a.outcome, a.status into v_outcome, v_status_after from orchable._answer_interaction(
                v_response.interaction_id, v_response.responder_key, null, v_response.source_channel, v_answer,
                v_response.id
            ) as a;
            v_status := case when v_outcome in ('late', 'duplicate') then v_outcome else 'matched' end;
            v_reason := case v_outcome
                when 'late' then format('the interaction had ended (%s)', v_status_after)
                when 'duplicate' then 'this responder had already answered'
            end;
        exception when sqlstate 'OR042' or sqlstate 'OR009' then
            v_status := 'filtered_out';
            v_reason := left('what it reads does not fit: ' || sqlerrm, 500);
        end;
    end if;
    update public.hil_responses
    set status = v_status, reason = v_reason, response = v_answer,
        matched_interaction_id = case when v_status <> 'filtered_out' then v_response.interaction_id end,
        answer_outcome = v_outcome,
        ai_relevance_score = round(v_relevance, 2), ai_reasoning = left(v_reading ->> 'reasoning', 2000),
        processed_at = now()
    where id = v_response.id;
    return null;
end
$$;

comment on function orchable.tg_task_batches__settle_answer_reading() is
'Settles a free-text answer when its reading batch ends: filtered_out below the relevance threshold or without a decision, else answered as what it reads (matched, late, duplicate, or filtered_out when it does not fit); error when the reading failed.';

drop trigger if exists task_batches_55_settle_answer_reading on public.task_batches;
create trigger task_batches_55_settle_answer_reading
after update of status on public.task_batches
for each row
when (old.status is distinct from new.status)
execute function orchable.tg_task_batches__settle_answer_reading();

revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
