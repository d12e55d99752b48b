-- A pause begins: its batch_pauses row and its `pause` event on the timeline, in the
-- transaction that pauses. pause_batch and the budget pause of record_llm_call(s) call it.
create function orchable._begin_pause(
    p_batch_id uuid,
    p_reason text,
    p_paused_by uuid,
    p_detail jsonb,
    p_message text,
    p_task_id uuid default null,
    p_interaction_id uuid default null
)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_pause_id uuid;
begin
    insert into public.batch_pauses (owner_id, batch_id, task_id, interaction_id, reason, detail, paused_by)
    select b.owner_id, b.id, p_task_id, p_interaction_id, p_reason, coalesce(p_detail, '{}'), p_paused_by
    from public.task_batches as b
    where b.id = p_batch_id
    returning id into v_pause_id;
    perform orchable._log_event(
        p_batch_id, p_task_id, 'pause', 'paused',
        jsonb_build_object('pause_id', v_pause_id, 'reason', p_reason) || coalesce(p_detail, '{}'),
        p_message, 'business', 'warning'
    );
    return v_pause_id;
end
$$;

comment on function orchable._begin_pause(uuid, text, uuid, jsonb, text, uuid, uuid) is
'Records that a batch paused (batch_pauses, reason person, interaction, budget or error) and logs the pause on its timeline; returns the pause id.';
