-- Delta from the sources below, written by scripts/new-migration.sh; the column, its index
-- and the drops before report_notification_delivery's new parameter by hand.

-- sql/notifications/1020_table_notification_deliveries.sql (the new column and index)
alter table public.notification_deliveries add column external_id text;
comment on column public.notification_deliveries.external_id is 'What the receiver calls what it was sent, as the worker reported it: a Slack message''s <channel>:<ts>, which replies in its thread name.';
-- A reply in a Slack message's thread names the message it answers (channel and ts).
create index notification_deliveries_endpoint_id_external_id_idx
on public.notification_deliveries (endpoint_id, external_id)
where external_id is not null;

drop function public.report_notification_delivery(uuid, uuid, text, integer, text, integer);
drop function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer);

-- functions/notifications/1040_report_notification_delivery.sql
-- SECURITY DEFINER: the worker role has no table privileges. The worker says what the
-- receiver answered; the database decides what follows. After a failed try the next waits
-- on Standard Webhooks' schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h after
-- the first at once), with 10% of jitter, longer when the receiver asked (Retry-After), and
-- past the endpoint's quiet hours; after the tenth the delivery is dead. A 410 (gone)
-- switches the endpoint off and the delivery is dead.
create or replace function orchable_rpc.report_notification_delivery(
    p_delivery_id uuid,
    p_claim_token uuid,
    p_outcome text,
    p_status_code integer default null,
    p_error text default null,
    p_retry_after_seconds integer default null,
    p_external_id text default null
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_schedule constant interval [] := array[
        interval '5 seconds', interval '5 minutes', interval '30 minutes', interval '2 hours',
        interval '5 hours', interval '10 hours', interval '14 hours', interval '20 hours', interval '24 hours'
    ];
    v_delivery public.notification_deliveries;
    v_endpoint public.notification_endpoints;
    v_wait interval;
    v_status text;
begin
    if p_outcome is null or p_outcome not in ('delivered', 'failed', 'gone') then
        raise exception 'unknown delivery outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR010', hint = 'report delivered, failed or gone (HTTP 410)';
    end if;
    select * into v_delivery from public.notification_deliveries as d
    where d.id = p_delivery_id and d.claim_token = p_claim_token and d.status = 'delivering'
    for update;
    if not found then
        raise exception 'delivery % is not claimed with this token', p_delivery_id
            using errcode = 'OR006', hint = 'its lease lapsed and another worker claimed it; nothing changed';
    end if;
    select * into v_endpoint from public.notification_endpoints as e where e.id = v_delivery.endpoint_id;

    if p_outcome = 'delivered' then
        v_status := 'delivered';
    elsif p_outcome = 'gone' or v_delivery.attempts > cardinality(v_schedule) then
        v_status := 'dead';
    else
        v_status := 'pending';
        v_wait := greatest(
            v_schedule[v_delivery.attempts] * (0.9 + 0.2 * random()),
            make_interval(secs => least(coalesce(p_retry_after_seconds, 0), 86400))
        );
    end if;
    if p_outcome = 'gone' then
        update public.notification_endpoints
        set is_active = false, disabled_reason = 'gone: the receiver answered 410', updated_at = now()
        where id = v_endpoint.id;
    end if;

    update public.notification_deliveries
    set
        status = v_status,
        next_attempt_at = case when v_wait is not null then orchable._quiet_until(v_endpoint, now() + v_wait) else next_attempt_at end,
        delivered_at = case when v_status = 'delivered' then now() end,
        external_id = case when v_status = 'delivered' then left(p_external_id, 200) end,
        last_status_code = p_status_code,
        last_error = case when v_status <> 'delivered' then left(coalesce(p_error, p_outcome), 2000) end,
        claim_token = null,
        locked_by = null,
        locked_until = null,
        updated_at = now()
    where id = p_delivery_id;
    return v_status;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.report_notification_delivery(
    p_delivery_id uuid,
    p_claim_token uuid,
    p_outcome text,
    p_status_code integer default null,
    p_error text default null,
    p_retry_after_seconds integer default null,
    p_external_id text default null
)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_notification_delivery(
        p_delivery_id, p_claim_token, p_outcome, p_status_code, p_error, p_retry_after_seconds, p_external_id
    );
end
$$;

comment on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer, text) is
'The implementation of public.report_notification_delivery, run with its owner''s rights; callable by the roles that may call public.report_notification_delivery.';

comment on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer, text) is
'Worker only. Settles a claimed delivery: delivered (with p_external_id, what the receiver calls it: a Slack message''s <channel>:<ts>); failed (tried again on Standard Webhooks'' schedule with jitter, no sooner than p_retry_after_seconds, after quiet hours; dead after the tenth try); or gone (HTTP 410: the endpoint is switched off, the delivery dead). Returns its new status; a stale claim token raises OR006, an unknown outcome OR010.';

revoke all on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer, text)
from public, anon, authenticated, service_role;
revoke all on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.report_notification_delivery(uuid, uuid, text, integer, text, integer, text)
to orchable_worker, service_role;
grant execute on function public.report_notification_delivery(uuid, uuid, text, integer, text, integer, text)
to orchable_worker, service_role;

-- functions/interactions/1144__tg_hil_responses__read_free_text.sql
-- A free-text answer awaiting classification is given to a model to read, in the
-- transaction that stored it: a one-task batch of the owner's "answers (orchable)"
-- pipeline, settled by orchable.tg_task_batches__settle_answer_reading. Its interaction is
-- the one it names; else, for a reply in a Slack message's thread, the one that message
-- asked (the delivery the worker reported as <channel>:<ts>); else the only one open on its
-- endpoint. With none or several it is filtered out at once, and an answer to an
-- interaction that has ended is late, unread.
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
    if new.interaction_id is null and new.source_channel = 'slack' then
        new.interaction_id := (
            select n.interaction_id
            from public.notification_deliveries as d
            join public.notifications as n on d.notification_id = n.id
            where d.endpoint_id = new.endpoint_id
                and d.external_id = (new.raw_payload -> 'event' ->> 'channel') || ':'
                || (new.raw_payload -> 'event' ->> 'thread_ts')
            limit 1
        );
    end if;
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
    if v_interaction.id is null then
        new.status := 'filtered_out';
        new.reason := 'unknown interaction';
        new.processed_at := now();
        return new;
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

revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
