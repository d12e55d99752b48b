create table public.interaction_answers (
    id bigint generated always as identity primary key,
    interaction_id uuid not null references public.human_interactions (id) on delete cascade,
    owner_id uuid not null references auth.users (id) on delete cascade,
    responder_key text not null,
    responder_id uuid,
    channel text not null,
    decision text not null,
    response jsonb not null,
    outcome text not null,
    hil_response_id uuid,
    created_at timestamptz not null default now(),
    constraint interaction_answers_channel_known check (channel in ('in_app', 'email', 'webhook', 'slack')),
    constraint interaction_answers_outcome_known check (outcome in ('counted', 'settled', 'late', 'duplicate')),
    constraint interaction_answers_responder_key_shaped check (responder_key ~ '^(user|email|slack|webhook):.+$')
);

-- The same person counts once: a second answer of theirs is kept as a duplicate.
create unique index interaction_answers_one_count_per_responder
on public.interaction_answers (interaction_id, responder_key) where outcome in ('counted', 'settled');
create index interaction_answers_interaction_id_idx on public.interaction_answers (interaction_id, id);
create index interaction_answers_owner_id_idx on public.interaction_answers (owner_id);

comment on table public.interaction_answers is
'Append-only record of every answer to an interaction: who (user, email address, Slack user or webhook endpoint), when, through which channel, and whether it counted, settled it, came late or was a duplicate.';
comment on column public.interaction_answers.id is 'Order of the answers.';
comment on column public.interaction_answers.interaction_id is 'The interaction answered.';
comment on column public.interaction_answers.owner_id is 'The owner of the interaction.';
comment on column public.interaction_answers.responder_key is 'Who answered: user:<id>, email:<address>, slack:<team>:<user> or webhook:<endpoint id>.';
comment on column public.interaction_answers.responder_id is 'The user who answered in the app; null for other channels.';
comment on column public.interaction_answers.channel is 'in_app, email, webhook or slack.';
comment on column public.interaction_answers.decision is 'approve, reject, select, answer.';
comment on column public.interaction_answers.response is 'The answer as given.';
comment on column public.interaction_answers.outcome is
'counted (a quorum is still short), settled (this answer decided it), late (it was already settled), duplicate (this person had answered).';
comment on column public.interaction_answers.hil_response_id is 'The incoming channel message (hil_responses) it came from, if any.';
comment on column public.interaction_answers.created_at is 'When the answer arrived.';
