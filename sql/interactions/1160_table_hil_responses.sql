-- Every answer that comes in through a channel (a Slack click or thread reply, an email
-- link's form, a webhook), stored as it came before anything is decided about it, then
-- matched: verified (orchable serve checks the signature), tied to the interaction it
-- names, and answered through orchable._answer_interaction. What could not be used is kept
-- with the reason, so the record shows who answered late, twice, or not at all.
create table public.hil_responses (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid references auth.users (id) on delete cascade,
    source_channel text not null,
    endpoint_id uuid references public.notification_endpoints (id) on delete set null,
    raw_payload jsonb not null,
    headers jsonb not null default '{}',
    status text not null default 'unprocessed',
    reason text,
    responder_key text,
    interaction_id uuid,
    response jsonb,
    free_text text,
    matched_interaction_id uuid,
    answer_outcome text,
    ai_relevance_score numeric(3, 2),
    ai_reasoning text,
    processed_at timestamptz,
    received_at timestamptz not null default now(),
    created_at timestamptz not null default now(),
    reading_batch_id uuid references public.task_batches (id) on delete set null,
    signature_error text,
    constraint hil_responses_source_channel_known check (source_channel in ('slack', 'email', 'webhook')),
    constraint hil_responses_status_known check (
        status in ('unprocessed', 'matched', 'filtered_out', 'late', 'duplicate', 'error')
    ),
    constraint hil_responses_processed_has_processed_at check ((status = 'unprocessed') = (processed_at is null)),
    constraint hil_responses_unprocessed_reason_is_awaiting_classification check (
        status <> 'unprocessed' or reason is null or reason = 'awaiting classification'
    ),
    constraint hil_responses_filtered_out_has_reason check (status <> 'filtered_out' or reason is not null),
    constraint hil_responses_matched_has_interaction check (
        status not in ('matched', 'late', 'duplicate') or matched_interaction_id is not null
    ),
    constraint hil_responses_answer_outcome_known check (
        answer_outcome in ('settled', 'counted', 'late', 'duplicate')
    ),
    constraint hil_responses_headers_is_object check (jsonb_typeof(headers) = 'object'),
    constraint hil_responses_relevance_between_0_and_1 check (ai_relevance_score between 0 and 1)
);

create index hil_responses_owner_id_received_at_idx on public.hil_responses (owner_id, received_at desc);
create index hil_responses_matched_interaction_id_idx on public.hil_responses (matched_interaction_id)
where matched_interaction_id is not null;
create index hil_responses_reading_batch_id_idx on public.hil_responses (reading_batch_id)
where reading_batch_id is not null;
-- tick(): answers stored but never matched (serve stopped in between).
create index hil_responses_unmatched_idx on public.hil_responses (received_at)
where status = 'unprocessed' and reason is null;
-- What the classification of free text (a Slack thread reply, a webhook's prose) reads next.
create index hil_responses_awaiting_classification_idx on public.hil_responses (received_at)
where status = 'unprocessed' and free_text is not null;

comment on table public.hil_responses is
'Every answer received through a channel (slack, email, webhook), stored first as it came (raw payload and headers, never a bearer token or cookie), then matched to its interaction or kept as filtered_out, late or duplicate with the reason; free text waits, unprocessed, for classification.';
comment on column public.hil_responses.id is 'The response''s id (interaction_answers.hil_response_id).';
comment on column public.hil_responses.owner_id is 'The owner it reached: the verified endpoint''s (or link''s) owner; null while unverified, and for what never verified.';
comment on column public.hil_responses.source_channel is 'slack, email (an answer link''s form) or webhook.';
comment on column public.hil_responses.endpoint_id is 'The notification endpoint it came through (a webhook or Slack endpoint; an email link''s endpoint).';
comment on column public.hil_responses.raw_payload is 'The request as it came: its JSON body (a Slack payload, a webhook body, the link form''s fields).';
comment on column public.hil_responses.headers is 'The request''s headers, signature headers included, without Authorization, Cookie or other credentials.';
comment on column public.hil_responses.status is 'unprocessed (just stored, or free text awaiting classification), matched (it answered: settled or counted), filtered_out (not used: reason says why), late (the interaction was no longer pending), duplicate (this responder had answered), error.';
comment on column public.hil_responses.reason is 'Why it was filtered out, late, a duplicate or an error; ''awaiting classification'' for free text not yet read.';
comment on column public.hil_responses.responder_key is 'Who answered, as the channel proved it: slack:<team>:<user>, email:<address>, webhook:<endpoint id>.';
comment on column public.hil_responses.interaction_id is 'The interaction the request names (unverified until matched).';
comment on column public.hil_responses.response is 'The structured answer read from the request ({"decision"}, {"choice"}, {"answer"}...), as _answer_interaction takes it.';
comment on column public.hil_responses.free_text is 'A free-text answer (a Slack thread reply, a webhook''s text), classified later.';
comment on column public.hil_responses.matched_interaction_id is 'The interaction it was matched to.';
comment on column public.hil_responses.answer_outcome is 'What the interaction made of it: settled, counted (quorum short), late or duplicate.';
comment on column public.hil_responses.ai_relevance_score is 'For free text: how relevant the classification judged it to its interaction (0 to 1).';
comment on column public.hil_responses.ai_reasoning is 'For free text: why the classification judged it so.';
comment on column public.hil_responses.processed_at is 'When it was matched or filtered out.';
comment on column public.hil_responses.received_at is 'When orchable serve received it.';
comment on column public.hil_responses.created_at is 'When it was stored.';
comment on column public.hil_responses.reading_batch_id is 'For free text: the batch of the owner''s "answers (orchable)" pipeline that reads it.';
comment on column public.hil_responses.signature_error is 'Why its signature did not verify, as orchable serve found when it stored it; null when it verified (email answers carry their link''s token instead).';

insert into orchable.limits (name, value, description) values
(
    'hil_response_bytes', 262144,
    'bytes of an incoming answer''s payload and headers orchable serve stores (hil_responses, OR047)'
)
on conflict (name) do nothing;
