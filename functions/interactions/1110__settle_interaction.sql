-- Settles an interaction once and applies the outcome to its task: an answer, a timeout
-- and a cancellation all come here, and all are one conditional update on `pending`, so
-- whichever commits first decides and the others change nothing (false). The caller holds
-- the task's row lock (taken before the interaction's, the order every path locks in).
--   p_task_action: complete (with p_output), regenerate, fail (p_error_code, p_error) or
--   cancel_batch. A completion its split cannot use raises OR009 when a person answered
--   (their answer is refused, nothing changes) and fails the task when time ran out.
create function orchable._settle_interaction(
    p_interaction_id uuid,
    p_status text,
    p_outcome text,
    p_response_data jsonb,
    p_task_action text,
    p_output jsonb default null,
    p_error_code text default null,
    p_error text default null
)
returns boolean
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_interaction public.human_interactions;
    v_split_error text;
begin
    update public.human_interactions
    set status = p_status, outcome = p_outcome, response_data = p_response_data, responded_at = now(),
        next_step_at = null, updated_at = now()
    where id = p_interaction_id and status = 'pending'
    returning * into v_interaction;
    if not found then
        return false;
    end if;

    if p_task_action = 'complete' then
        v_split_error := orchable._split_error(
            (select t.prompt_template_id from public.ai_tasks as t where t.id = v_interaction.task_id), p_output
        );
        if v_split_error is not null and p_status = 'responded' then
            raise exception 'task % cannot be approved: %', v_interaction.task_id, v_split_error
                using errcode = 'OR009', hint = 'approve it with an edited output, or reject it to regenerate';
        end if;
    end if;

    update public.batch_pauses
    set status = case when p_status = 'responded' then 'resumed' else p_status end,
        resumed_at = now(),
        resumed_by = case when p_response_data ->> 'responder_key' like 'user:%'
            then (substr(p_response_data ->> 'responder_key', 6))::uuid end,
        resume_trigger = case p_status when 'responded' then 'answer' when 'timeout' then 'timeout' else 'cancel' end,
        updated_at = now()
    where interaction_id = p_interaction_id and status = 'active';

    perform orchable._log_event(
        v_interaction.batch_id, v_interaction.task_id, 'interaction',
        case p_status when 'responded' then 'responded' when 'timeout' then 'timeout' else 'cancelled' end,
        jsonb_build_object('interaction_id', p_interaction_id, 'outcome', p_outcome,
            'responder_key', p_response_data ->> 'responder_key', 'channel', p_response_data ->> 'channel'),
        case p_status
            when 'responded' then format('%s: %s by %s', initcap(v_interaction.interaction_type), replace(p_outcome, '_', ' '),
                coalesce(p_response_data ->> 'responder_key', 'a person'))
            when 'timeout' then format('Nobody answered the %s in time: %s', v_interaction.interaction_type,
                replace(substr(p_outcome, 9), '_', ' '))
            else format('The %s was cancelled', v_interaction.interaction_type)
        end,
        'business',
        case when p_status = 'timeout' then 'warning' else 'info' end
    );

    if p_task_action = 'complete' and v_split_error is null then
        update public.ai_tasks
        set status = 'completed', output_data = p_output,
            approved_at = case when p_status = 'responded' then now() end,
            completed_at = now(), updated_at = now()
        where id = v_interaction.task_id and status = 'generated';
    elsif p_task_action = 'regenerate' then
        update public.ai_tasks
        set status = 'plan', output_data = null, retry_count = 0, error_message = p_error, run_after = now(), updated_at = now()
        where id = v_interaction.task_id and status = 'generated';
    elsif p_task_action in ('fail', 'complete') then
        update public.ai_tasks
        set status = 'failed', error_code = coalesce(p_error_code, 'OR009'), error_message = coalesce(p_error, v_split_error),
            updated_at = now()
        where id = v_interaction.task_id and status = 'generated';
    elsif p_task_action = 'cancel_batch' then
        perform orchable._cancel_batch(v_interaction.batch_id, p_error, null);
    end if;
    return true;
end
$$;

comment on function orchable._settle_interaction(uuid, text, text, jsonb, text, jsonb, text, text) is
'Settles a pending interaction (one conditional update) and applies its outcome to the task; false when it was already settled.';
