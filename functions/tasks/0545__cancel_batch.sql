-- Cancels a batch that has not ended: its open tasks first (the order workers lock in; a
-- worker's result for one is then refused, OR006), then the batch row, then its active
-- pauses, each ended on the timeline. Returns the batch; one that had ended is returned
-- unchanged. cancel_batch (its owner) and an interaction's cancel_batch outcome call it.
create function orchable._cancel_batch(p_batch_id uuid, p_reason text, p_cancelled_by uuid)
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
