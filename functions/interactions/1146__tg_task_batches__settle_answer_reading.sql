-- The reading of a free-text answer ended: the answer is settled here, in the transaction
-- that ended it. A reading below the relevance threshold (the limit
-- answer_relevance_percent) or with no decision is filtered out; any other is answered
-- through orchable._answer_interaction as what it reads (an approval or rejection with the
-- reply as its reason or comment, an option, an input), and is then matched, late or a
-- duplicate as any answer would be, or filtered out when what it reads does not fit. A
-- reading that failed leaves the answer in error. The score and reasoning are kept.
create function orchable.tg_task_batches__settle_answer_reading()
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

create trigger task_batches_55_settle_answer_reading
after update of status on public.task_batches
for each row
when (old.status is distinct from new.status)
execute function orchable.tg_task_batches__settle_answer_reading();
