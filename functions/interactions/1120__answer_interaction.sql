-- Takes one person's answer to an interaction, from any channel; the channel has already
-- proved who is answering (a signed-in user, a signed webhook, a verified Slack request, a
-- link token). The task is locked first, so answers to one interaction take turns and a
-- quorum is counted on committed answers. Every answer is appended to
-- interaction_answers, also one that comes late or twice, so the record shows who
-- answered after the timeout. Returns what became of it:
--   settled (it decided the interaction), counted (approvals are still short of the
--   quorum), late (already settled: nothing changed), duplicate (this responder had
--   answered: nothing changed).
-- An answer that does not fit the question raises OR042 and changes nothing.
create function orchable._answer_interaction(
    p_interaction_id uuid,
    p_responder_key text,
    p_responder_id uuid,
    p_channel text,
    p_response jsonb,
    p_hil_response_id uuid default null
)
returns table (outcome text, status text, approvals integer, required_approvals integer)
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_interaction public.human_interactions;
    v_task public.ai_tasks;
    v_type text;
    v_decision text := p_response ->> 'decision';
    v_problem text;
    v_answer jsonb;
    v_approvals integer;
    v_edit jsonb;
    v_output jsonb;
    v_answer_key text;
    v_outcome text;
    v_response_data jsonb;
    v_regenerate boolean;
begin
    select * into v_interaction from public.human_interactions as i where i.id = p_interaction_id;
    if not found then
        raise exception 'interaction % not found', p_interaction_id
            using errcode = 'OR039', hint = 'answer an interaction of v_my_interactions by its id';
    end if;
    perform orchable._check_json_limits(p_response, 'p_response');
    v_type := v_interaction.interaction_type;
    v_answer_key := v_interaction.request_data ->> 'answer_key';

    -- What kind of answer it is, and whether it fits the question.
    if v_decision is null then
        v_decision := case when p_response ? 'choice' then 'select' when p_response ? 'answer' then 'answer' end;
    end if;
    v_problem := case
        when jsonb_typeof(p_response) is distinct from 'object' then 'the response is not a JSON object'
        when v_decision = 'reject' and coalesce(btrim(coalesce(p_response ->> 'reason', p_response ->> 'comment')), '') = '' then
            'a rejection needs a reason'
        when v_decision = 'reject' and jsonb_typeof(p_response -> 'regenerate') not in ('boolean', 'null') then
            'regenerate is not a boolean'
        when v_decision = 'reject' then null
        when v_type = 'approval' and v_decision is distinct from 'approve' then
            'an approval is answered with {"decision": "approve"} (an edited "output" optional) or {"decision": "reject", "reason": ...}'
        when v_type = 'review' and v_decision is distinct from 'approve' then
            'a review is answered with {"decision": "approve" or "reject", "comment": ..., "score": ...}'
        when v_type = 'review' and jsonb_typeof(p_response -> 'score') not in ('number', 'null') then 'the score is not a number'
        when v_type = 'review' and jsonb_typeof(p_response -> 'comment') not in ('string', 'null') then 'the comment is not a string'
        when v_type = 'selection' and v_decision is distinct from 'select' then
            'a selection is answered with {"choice": <one of the options'' values>}'
        when v_type = 'selection' and not exists (
            select from jsonb_array_elements(v_interaction.request_data -> 'options') as o (option)
            where o.option -> 'value' = p_response -> 'choice'
        ) then format('%s is not one of the options (%s)', p_response -> 'choice',
            (select string_agg(o.option ->> 'value', ', ') from jsonb_array_elements(v_interaction.request_data -> 'options') as o (option)))
        when v_type = 'input' and v_decision is distinct from 'answer' then
            'an input is answered with {"answer": <a value that fits the input_schema>}'
        when v_type = 'input' then
            orchable._json_schema_error(v_interaction.request_data -> 'input_schema', p_response -> 'answer', '$.answer')
    end;
    if v_problem is not null then
        raise exception 'the answer to interaction % does not fit: %', p_interaction_id, v_problem
            using errcode = 'OR042', detail = left(p_response::text, 500),
            hint = format('this %s allows %s', v_type, v_interaction.request_data -> 'allowed_decisions');
    end if;

    -- Answers to one interaction take turns on its task's row lock (the order every path
    -- locks in: the task, then the interaction).
    select * into v_task from public.ai_tasks as t where t.id = v_interaction.task_id for update;
    select * into v_interaction from public.human_interactions as i where i.id = p_interaction_id;

    if v_interaction.status <> 'pending' then
        v_outcome := 'late';
    elsif exists (
        select from public.interaction_answers as a
        where a.interaction_id = p_interaction_id and a.responder_key = p_responder_key and a.outcome in ('counted', 'settled')
    ) then
        v_outcome := 'duplicate';
    end if;
    if v_outcome is not null then
        insert into public.interaction_answers (
            interaction_id, owner_id, responder_key, responder_id, channel, decision, response, outcome, hil_response_id
        )
        values (
            p_interaction_id, v_interaction.owner_id, p_responder_key, p_responder_id, p_channel, v_decision, p_response,
            v_outcome, p_hil_response_id
        );
        perform orchable._log_event(
            v_interaction.batch_id, v_interaction.task_id, 'interaction', 'answered',
            jsonb_build_object('interaction_id', p_interaction_id, 'outcome', v_outcome, 'responder_key', p_responder_key,
                'channel', p_channel),
            format('An answer from %s came %s', p_responder_key,
                case v_outcome when 'late' then 'after the ' || v_interaction.status else 'twice: the first counts' end),
            'business', 'warning'
        );
        return query select v_outcome, v_interaction.status, v_interaction.approvals, v_interaction.required_approvals;
        return;
    end if;

    insert into public.interaction_answers (
        interaction_id, owner_id, responder_key, responder_id, channel, decision, response, outcome, hil_response_id
    )
    values (
        p_interaction_id, v_interaction.owner_id, p_responder_key, p_responder_id, p_channel, v_decision, p_response,
        'counted', p_hil_response_id
    );
    select count(*)::integer into v_approvals
    from public.interaction_answers as a
    where a.interaction_id = p_interaction_id and a.outcome in ('counted', 'settled') and a.decision = 'approve';
    update public.human_interactions as i set approvals = v_approvals, updated_at = now() where i.id = p_interaction_id;

    -- A quorum short of approvals waits for more; any rejection settles it at once.
    if v_decision = 'approve' and v_approvals < v_interaction.required_approvals then
        perform orchable._log_event(
            v_interaction.batch_id, v_interaction.task_id, 'interaction', 'answered',
            jsonb_build_object('interaction_id', p_interaction_id, 'outcome', 'counted', 'responder_key', p_responder_key,
                'channel', p_channel, 'approvals', v_approvals, 'required_approvals', v_interaction.required_approvals),
            format('Approved by %s: %s of %s approvals', p_responder_key, v_approvals, v_interaction.required_approvals)
        );
        return query select 'counted'::text, 'pending'::text, v_approvals, v_interaction.required_approvals;
        return;
    end if;

    -- The latest approving answer that carries an edit gives the output.
    select a.response -> 'output' into v_edit
    from public.interaction_answers as a
    where a.interaction_id = p_interaction_id and a.outcome = 'counted' and a.decision = 'approve' and a.response ? 'output'
    order by a.id desc
    limit 1;
    v_output := coalesce(v_edit, v_task.output_data);
    v_answer := case v_type
        when 'selection' then p_response -> 'choice'
        when 'input' then p_response -> 'answer'
        when 'review' then jsonb_strip_nulls(jsonb_build_object(
            'decision', v_decision, 'comment', p_response -> 'comment', 'score', p_response -> 'score'))
    end;
    if v_answer is not null then
        v_output := case when jsonb_typeof(v_output) = 'object' then v_output
            else jsonb_build_object('output', v_output) end || jsonb_build_object(v_answer_key, v_answer);
    end if;
    v_response_data := jsonb_strip_nulls(jsonb_build_object(
        'decision', v_decision,
        'answer', v_answer,
        'reason', coalesce(p_response ->> 'reason', p_response ->> 'comment'),
        'responder_key', p_responder_key,
        'channel', p_channel,
        'approvals', case when v_decision = 'approve' then v_approvals end,
        -- An edit keeps the output before and after it.
        'output_before', case when v_edit is not null then v_task.output_data end,
        'output_after', v_edit
    ));
    update public.interaction_answers as a set outcome = 'settled'
    where a.id = (select max(b.id) from public.interaction_answers as b where b.interaction_id = p_interaction_id);

    if v_decision = 'reject' then
        v_regenerate := coalesce((p_response ->> 'regenerate')::boolean, v_interaction.request_data ->> 'on_reject' = 'regenerate');
        perform orchable._settle_interaction(
            p_interaction_id, 'responded', 'rejected', v_response_data,
            case when v_regenerate then 'regenerate' else 'fail' end,
            null, 'OR043', 'rejected: ' || coalesce(p_response ->> 'reason', p_response ->> 'comment')
        );
    else
        perform orchable._settle_interaction(
            p_interaction_id, 'responded',
            case v_type when 'approval' then 'approved' when 'selection' then 'selected' when 'input' then 'answered' else 'reviewed' end,
            v_response_data, 'complete', v_output
        );
    end if;
    return query select 'settled'::text, 'responded'::text, v_approvals, v_interaction.required_approvals;
end
$$;

comment on function orchable._answer_interaction(uuid, text, uuid, text, jsonb, uuid) is
'Takes one answer to an interaction from any channel, appends it to interaction_answers and settles the interaction when it decides it; returns settled, counted, late or duplicate. OR039 unknown interaction, OR042 an answer that does not fit.';
