-- The active pauses of a batch end, each with a `pause` event on the timeline: resumed
-- by a person (resume_batch), cancelled with the batch (cancel_batch). p_reasons narrows
-- them (resume_batch leaves a pause that waits for an interaction to its answer).
create function orchable._end_pauses(
    p_batch_id uuid,
    p_status text,
    p_resume_trigger text,
    p_resumed_by uuid,
    p_reasons text[] default null
)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_pause public.batch_pauses;
    v_ended integer := 0;
begin
    for v_pause in
        update public.batch_pauses as p
        set status = p_status, resumed_at = greatest(now(), p.paused_at), resumed_by = p_resumed_by,
            resume_trigger = p_resume_trigger, updated_at = now()
        where p.batch_id = p_batch_id and p.status = 'active' and (p_reasons is null or p.reason = any(p_reasons))
        returning p.*
    loop
        perform orchable._log_event(
            p_batch_id, v_pause.task_id, 'pause', p_status,
            jsonb_build_object('pause_id', v_pause.id, 'reason', v_pause.reason, 'resume_trigger', p_resume_trigger),
            case p_status
                when 'resumed' then format('%s pause ended: resumed by %s', initcap(v_pause.reason),
                    case p_resume_trigger when 'person' then 'a person' when 'answer' then 'an answer'
                        else p_resume_trigger end)
                when 'cancelled' then format('%s pause ended: the batch was cancelled', initcap(v_pause.reason))
                else format('%s pause ended: %s', initcap(v_pause.reason), p_status)
            end,
            'business', 'info'
        );
        v_ended := v_ended + 1;
    end loop;
    return v_ended;
end
$$;

comment on function orchable._end_pauses(uuid, text, text, uuid, text[]) is
'Ends the active pauses of a batch (of p_reasons, or all) with p_status and p_resume_trigger, and logs each on its timeline; returns how many ended.';
