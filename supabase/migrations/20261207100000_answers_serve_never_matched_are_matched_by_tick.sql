-- Delta from the sources below, written by scripts/new-migration.sh; the column, its index
-- and the drops before receive_hil_response's new parameter by hand.

-- sql/interactions/1160_table_hil_responses.sql (the new column and index)
alter table public.hil_responses add column signature_error text;
comment on column public.hil_responses.signature_error is 'Why its signature did not verify, as orchable serve found when it stored it; null when it verified (email answers carry their link''s token instead).';
-- tick(): answers stored but never matched (serve stopped in between).
create index hil_responses_unmatched_idx on public.hil_responses (received_at)
where status = 'unprocessed' and reason is null;

drop function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text);
drop function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text);

-- functions/interactions/1155_receive_hil_response.sql
-- SECURITY DEFINER: orchable serve has no table privileges. Stores an incoming answer as
-- it came, with what serve found of its signature (p_signature_error, null when it
-- verified), in a statement of its own, before anything is decided about it
-- (match_hil_response decides; tick() does for an answer serve stored and never matched),
-- so no answer is lost between the two.
-- Credentials in the headers are dropped here too (serve drops them first). The endpoint
-- must exist and be of the channel's kind, else nothing is stored (OR045).
create or replace function orchable_rpc.receive_hil_response(
    p_source_channel text,
    p_endpoint_id uuid,
    p_raw_payload jsonb,
    p_headers jsonb default '{}',
    p_interaction_id uuid default null,
    p_responder_key text default null,
    p_response jsonb default null,
    p_free_text text default null,
    p_signature_error text default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid := orchable.time_ordered_uuid();
    v_headers jsonb := coalesce(p_headers, '{}');
    v_bytes bigint := orchable._limit('hil_response_bytes');
    v_problem text;
begin
    v_problem := case
        when p_source_channel is null or p_source_channel not in ('slack', 'webhook') then
            'p_source_channel must be slack or webhook (email answers come through answer_by_link)'
        when p_raw_payload is null then 'p_raw_payload is missing'
        when jsonb_typeof(v_headers) <> 'object' then 'p_headers must be a JSON object'
        when octet_length(p_raw_payload::text) + octet_length(v_headers::text) + coalesce(octet_length(p_free_text), 0) > v_bytes then
            format('the payload is larger than %s bytes', v_bytes)
        when p_response is not null and jsonb_typeof(p_response) <> 'object' then 'p_response must be a JSON object'
        when p_responder_key is not null and length(p_responder_key) > 300 then 'p_responder_key is longer than 300 characters'
    end;
    if v_problem is not null then
        raise exception 'the answer cannot be stored: %', v_problem
            using errcode = 'OR047', detail = format('limit hil_response_bytes = %s', v_bytes),
            hint = 'send one JSON answer of a few kilobytes';
    end if;
    if p_endpoint_id is null or not exists (
        select from public.notification_endpoints as e where e.id = p_endpoint_id and e.kind = p_source_channel
    ) then
        raise exception 'no % endpoint %', p_source_channel, p_endpoint_id
            using errcode = 'OR045', hint = 'answer through the URL of an endpoint that asked you';
    end if;
    insert into public.hil_responses (
        id, source_channel, endpoint_id, raw_payload, headers, interaction_id, responder_key, response, free_text,
        signature_error
    )
    values (
        v_id, p_source_channel, p_endpoint_id, p_raw_payload,
        v_headers - array['authorization', 'cookie', 'proxy-authorization', 'x-api-key', 'set-cookie'],
        p_interaction_id, p_responder_key, p_response, p_free_text, left(p_signature_error, 500)
    );
    return v_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.receive_hil_response(
    p_source_channel text,
    p_endpoint_id uuid,
    p_raw_payload jsonb,
    p_headers jsonb default '{}',
    p_interaction_id uuid default null,
    p_responder_key text default null,
    p_response jsonb default null,
    p_free_text text default null,
    p_signature_error text default null
)
returns uuid
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.receive_hil_response(
        p_source_channel, p_endpoint_id, p_raw_payload, p_headers, p_interaction_id, p_responder_key, p_response,
        p_free_text, p_signature_error
    );
end
$$;

comment on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text) is
'The implementation of public.receive_hil_response, run with its owner''s rights; callable by the roles that may call public.receive_hil_response.';

comment on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text) is
'orchable serve only. Stores an answer that came through a slack or webhook endpoint, as it came (unprocessed), with what serve read from it (the interaction it names, who answered, the structured response or free text, why its signature failed if it did); returns its id, for match_hil_response. OR045 unknown endpoint, OR047 a payload past hil_response_bytes or bad arguments.';

revoke all on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text)
from public, anon, authenticated, service_role;
revoke all on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text)
to orchable_serve, service_role;
grant execute on function public.receive_hil_response(text, uuid, jsonb, jsonb, uuid, text, jsonb, text, text)
to orchable_serve, service_role;

-- functions/interactions/1170_match_hil_response.sql
-- SECURITY DEFINER: orchable serve has no table privileges. Decides a stored answer once
-- (orchable._match_hil_response) on why its signature failed: p_signature_error, else
-- what serve stored with it (null: it verified). Matching one already decided changes nothing and returns how it was decided.
-- An unforeseen error is kept on the row (status error) rather than lost.
create or replace function orchable_rpc.match_hil_response(p_response_id uuid, p_signature_error text default null)
returns table (status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_response public.hil_responses;
begin
    select * into v_response from public.hil_responses as r where r.id = p_response_id for update;
    if not found then
        raise exception 'answer % not found', p_response_id
            using errcode = 'OR046', hint = 'match the id receive_hil_response returned';
    end if;
    if v_response.status = 'unprocessed' and v_response.reason is null then
        begin
            perform orchable._match_hil_response(p_response_id, coalesce(p_signature_error, v_response.signature_error));
        exception when others then
            update public.hil_responses as r
            set status = 'error', reason = left(sqlstate || ': ' || sqlerrm, 500), processed_at = now()
            where r.id = p_response_id;
        end;
    end if;
    return query
    select r.status, r.reason, coalesce(r.matched_interaction_id, r.interaction_id), r.answer_outcome
    from public.hil_responses as r where r.id = p_response_id;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.match_hil_response(p_response_id uuid, p_signature_error text default null)
returns table (status text, reason text, interaction_id uuid, answer_outcome text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.match_hil_response(p_response_id, p_signature_error);
end
$$;

comment on function orchable_rpc.match_hil_response(uuid, text) is
'The implementation of public.match_hil_response, run with its owner''s rights; callable by the roles that may call public.match_hil_response.';

comment on function public.match_hil_response(uuid, text) is
'orchable serve only. Decides a stored answer once, after serve checked its signature (p_signature_error: why it failed, null when it verified): filtered_out with the reason, unprocessed awaiting classification (free text), or answered: matched, late or duplicate. Returns its status, reason, interaction and what the interaction made of it; OR046 for an unknown id.';

revoke all on function orchable_rpc.match_hil_response(uuid, text) from public, anon, authenticated, service_role;
revoke all on function public.match_hil_response(uuid, text) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.match_hil_response(uuid, text) to orchable_serve, service_role;
grant execute on function public.match_hil_response(uuid, text) to orchable_serve, service_role;

-- functions/interactions/1148__match_stranded_answers.sql
-- Answers orchable serve stored but never matched (it stopped, or lost its database, after
-- storing one; Slack's are matched after Slack has its reply) are matched here, on the
-- verdict serve stored with them, once they are a minute old: none is lost. Rows a serve
-- is matching right now are locked, and skipped.
create or replace function orchable._match_stranded_answers(p_now timestamptz, p_limit bigint)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid;
    v_matched integer := 0;
begin
    for v_id in
        select r.id
        from public.hil_responses as r
        where r.status = 'unprocessed' and r.reason is null and r.received_at < p_now - interval '1 minute'
        order by r.received_at
        limit p_limit
        for update skip locked
    loop
        perform orchable_rpc.match_hil_response(v_id);
        v_matched := v_matched + 1;
    end loop;
    return v_matched;
end
$$;

comment on function orchable._match_stranded_answers(timestamptz, bigint) is
'Matches (tick) the answers stored at least a minute before p_now and never matched, at most p_limit, on the signature verdict stored with them; returns how many.';

-- functions/monitors/0990_tick.sql
-- SECURITY DEFINER: the scheduler reads every owner's monitors and triggers. Called every
-- few seconds by pg_cron where the database has it, else by workers (orchable worker
-- --tick-seconds). Each due row is locked with SKIP LOCKED and moved to its next time in
-- the transaction that starts it, so ticks running at once start each due run exactly
-- once; runs missed while nothing ticked collapse into one (the next time is the first
-- after now, not after the missed one). All start in one pass; when one cannot start, the
-- pass is undone and made again with a savepoint per row, so that one fails alone (its
-- schedule moves on and the error is kept) and the others start. Then the open
-- interactions' due reminders, escalation steps and timeouts, each once, and the answers
-- orchable serve stored and never matched. Then, at most once an hour, retention
-- (orchable._run_retention).
create or replace function orchable_rpc.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer, interaction_steps integer, rows_deleted bigint)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_limit bigint := orchable._limit('runs_per_tick');
begin
    begin
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, false);
    exception when others then
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, true);
    end;
    begin
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, false);
    exception when others then
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, true);
    end;
    interaction_steps := orchable._advance_interactions(v_now, v_limit)
        + orchable._match_stranded_answers(v_now, v_limit);
    -- Retention, at most once an hour; a failure (a deadlock with a person's retry) never
    -- stops the scheduler, and the next tick tries again.
    begin
        rows_deleted := orchable._run_retention(v_now);
    exception when others then
        raise warning 'retention skipped: % (%)', sqlerrm, sqlstate;
        rows_deleted := 0;
    end;
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer, interaction_steps integer, rows_deleted bigint)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.tick(p_now);
end
$$;

comment on function orchable_rpc.tick(timestamptz) is
'The implementation of public.tick, run with its owner''s rights; callable by the roles that may call public.tick.';

comment on function public.tick(timestamptz) is
'Scheduler only (pg_cron, workers, service_role). Starts every monitor run and cron trigger launch due at p_now (default now(), at most runs_per_tick of each) and moves each to its next time after p_now; then sends due interaction reminders, takes escalation steps, applies timeouts and matches the answers orchable serve stored a minute ago or more and never matched. Safe to call from many processes at once (each due run starts once, each step is taken once). At most once an hour it also deletes the events and LLM calls of finished batches older than the limits event_retention_days and llm_call_retention_days, and finished batches older than finished_batch_retention_days when set. Returns how many runs, launches and interaction steps (answers matched included) it started, and how many rows retention deleted.';

revoke all on function orchable_rpc.tick(timestamptz) from public, anon, authenticated, service_role;
revoke all on function public.tick(timestamptz) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.tick(timestamptz) to orchable_worker, service_role;
grant execute on function public.tick(timestamptz) to orchable_worker, service_role;

revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
