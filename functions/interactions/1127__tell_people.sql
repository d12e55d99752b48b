-- Sends an interaction's question (or a reminder or an escalation of it) through the
-- outbox to the given endpoints, in the caller's transaction.
create function orchable._tell_people(p_interaction public.human_interactions, p_kind text, p_endpoint_ids uuid[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    if cardinality(p_endpoint_ids) = 0 then
        return;
    end if;
    perform orchable._notify(
        p_interaction.owner_id, p_kind,
        case p_kind
            when 'interaction.reminder' then 'Reminder: '
            when 'interaction.escalated' then 'Escalated: '
            else ''
        end || (p_interaction.request_data ->> 'message'),
        jsonb_build_object(
            'interaction_id', p_interaction.id,
            'interaction_type', p_interaction.interaction_type,
            'message', p_interaction.request_data ->> 'message',
            'priority', p_interaction.priority,
            'request', p_interaction.request_data,
            'timeout_at', p_interaction.timeout_at,
            'batch_id', p_interaction.batch_id,
            'task_id', p_interaction.task_id,
            'stage_key', p_interaction.stage_key,
            'correlation_id', p_interaction.correlation_id
        ),
        null, null, p_endpoint_ids
    );
end
$$;

comment on function orchable._tell_people(public.human_interactions, text, uuid[]) is
'Writes an interaction.requested, .reminder or .escalated notification with one delivery per given endpoint.';
