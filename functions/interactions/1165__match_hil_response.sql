-- Decides what a stored answer is, once: filtered_out when its signature failed
-- (p_signature_error), when it names no interaction or one its endpoint was not asked for
-- (another owner's, or an endpoint not among the interaction's endpoint_ids), or when the
-- answer does not fit the question (OR042, OR021); free text stays unprocessed, awaiting
-- classification; anything else is answered through _answer_interaction: matched (settled
-- or counted), late or duplicate. An answer that failed verification is never tied to an
-- owner, so nobody can write rows into another owner's record by posting to their URL.
create function orchable._match_hil_response(p_response_id uuid, p_signature_error text)
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_response public.hil_responses;
    v_endpoint_owner uuid;
    v_interaction record;
    v_answer record;
    v_outcome text;
    v_status text;
    v_reason text;
    v_owner uuid;
    v_matched uuid;
begin
    select * into v_response from public.hil_responses as r where r.id = p_response_id for update;
    select e.owner_id into v_endpoint_owner from public.notification_endpoints as e where e.id = v_response.endpoint_id;
    if p_signature_error is not null then
        v_status := 'filtered_out';
        v_reason := left('not verified: ' || p_signature_error, 500);
    elsif v_endpoint_owner is null then
        v_status := 'filtered_out';
        v_reason := 'its endpoint no longer exists';
    else
        v_owner := v_endpoint_owner;
        select i.id, i.owner_id, i.endpoint_ids, i.status into v_interaction
        from public.human_interactions as i where i.id = v_response.interaction_id;
        if v_response.interaction_id is null and v_response.free_text is null then
            v_status := 'filtered_out';
            v_reason := 'it names no interaction';
        elsif v_response.interaction_id is not null and (v_interaction.id is null or v_interaction.owner_id <> v_endpoint_owner) then
            v_status := 'filtered_out';
            v_reason := 'unknown interaction';
        elsif v_interaction.id is not null and not (v_response.endpoint_id = any(v_interaction.endpoint_ids)) then
            v_status := 'filtered_out';
            v_reason := 'the interaction did not ask this endpoint';
        elsif v_response.response is null then
            -- Free text: read later by the classification (relevance, the decision it reads).
            update public.hil_responses as r
            set owner_id = v_owner, reason = 'awaiting classification'
            where r.id = p_response_id;
            return;
        else
            begin
                select * into v_answer from orchable._answer_interaction(
                    v_interaction.id, v_response.responder_key, null, v_response.source_channel, v_response.response,
                    v_response.id
                );
                v_matched := v_interaction.id;
                v_outcome := v_answer.outcome;
                v_status := case v_outcome
                    when 'late' then 'late'
                    when 'duplicate' then 'duplicate'
                    else 'matched'
                end;
                v_reason := case v_outcome
                    when 'late' then format('the interaction had ended (%s)', v_answer.status)
                    when 'duplicate' then 'this responder had already answered'
                end;
            exception when sqlstate 'OR042' or sqlstate 'OR039' or sqlstate 'OR021' then
                v_status := 'filtered_out';
                v_reason := left('the answer does not fit: ' || sqlerrm, 500);
            end;
        end if;
    end if;
    update public.hil_responses as r
    set
        status = v_status,
        reason = v_reason,
        owner_id = v_owner,
        matched_interaction_id = v_matched,
        answer_outcome = v_outcome,
        processed_at = now()
    where r.id = p_response_id;
end
$$;

comment on function orchable._match_hil_response(uuid, text) is
'Matches a stored hil_responses row once: filtered_out (unverified, unknown interaction, endpoint not asked, answer that does not fit), unprocessed awaiting classification (free text), or answered through _answer_interaction (matched, late, duplicate).';
