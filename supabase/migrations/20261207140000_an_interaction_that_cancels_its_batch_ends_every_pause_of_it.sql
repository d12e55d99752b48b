-- Delta from the sources below, written by scripts/new-migration.sh.

-- functions/tasks/0545__cancel_batch.sql
-- Cancels a batch that has not ended: its open tasks first (the order workers lock in; a
-- worker's result for one is then refused, OR006), then the batch row, then its active
-- pauses, each ended on the timeline. Returns the batch; one that had ended is returned
-- unchanged. cancel_batch (its owner) and an interaction's cancel_batch outcome call it.
create or replace function orchable._cancel_batch(p_batch_id uuid, p_reason text, p_cancelled_by uuid)
returns public.task_batches
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches;
begin
    update public.ai_tasks
    set status = 'cancelled', claim_token = null, locked_by = null, locked_until = null, updated_at = now()
    where batch_id = p_batch_id and status in ('plan', 'processing', 'generated');
    update public.task_batches
    set status = 'cancelled', status_reason = p_reason, finished_at = now(), updated_at = now()
    where id = p_batch_id and status not in ('completed', 'failed', 'cancelled')
    returning * into v_batch;
    if not found then
        select * into v_batch from public.task_batches as b where b.id = p_batch_id;
        return v_batch;
    end if;
    perform orchable._end_pauses(p_batch_id, 'cancelled', 'cancel', p_cancelled_by);
    return v_batch;
end
$$;

comment on function orchable._cancel_batch(uuid, text, uuid) is
'Cancels a batch that has not ended (its open tasks, the batch with p_reason, its active pauses, by p_cancelled_by); returns it.';

-- functions/tasks/0550_cancel_batch.sql
-- SECURITY DEFINER: users cannot update batches or tasks directly; ownership is checked
-- here, and orchable._cancel_batch cancels.
create or replace function orchable_rpc.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch public.task_batches := orchable._find_owned_batch(p_batch_id);
begin
    if v_batch.status in ('completed', 'cancelled') then
        if v_batch.status = 'completed' then
            raise exception 'batch % is completed', p_batch_id
                using errcode = 'OR007', hint = 'nothing is left to cancel';
        end if;
        return v_batch;
    end if;
    return orchable._cancel_batch(p_batch_id, 'cancelled by its owner', (select auth.uid()));
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.cancel_batch(p_batch_id uuid)
returns public.task_batches
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cancel_batch(p_batch_id);
end
$$;

comment on function orchable_rpc.cancel_batch(uuid) is
'The implementation of public.cancel_batch, run with its owner''s rights; callable by the roles that may call public.cancel_batch.';

comment on function public.cancel_batch(uuid) is
'Cancels a batch: its open tasks become cancelled and workers'' results for them are refused (OR006); its active pauses end as cancelled.';

revoke all on function orchable_rpc.cancel_batch(uuid) from public, anon, authenticated, service_role;
revoke all on function public.cancel_batch(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cancel_batch(uuid) to authenticated, service_role;
grant execute on function public.cancel_batch(uuid) to authenticated, service_role;

-- functions/interactions/1110__settle_interaction.sql
-- Settles an interaction once and applies the outcome to its task: an answer, a timeout
-- and a cancellation all come here, and all are one conditional update on `pending`, so
-- whichever commits first decides and the others change nothing (false). The caller holds
-- the task's row lock (taken before the interaction's, the order every path locks in).
--   p_task_action: complete (with p_output), regenerate, fail (p_error_code, p_error) or
--   cancel_batch. A completion its split cannot use raises OR009 when a person answered
--   (their answer is refused, nothing changes) and fails the task when time ran out.
create or replace function orchable._settle_interaction(
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

revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
