create table public.llm_calls (
    id bigint generated always as identity primary key,
    -- No foreign keys, as in task_events: a key check per row costs as much as the row
    -- itself. record_llm_calls and record_llm_call are the only writers; they lock the
    -- call's task and key FOR KEY SHARE as the check would, and the calls go with their
    -- batch (task_batches_41_delete_llm_calls) and forget a deleted key
    -- (user_api_keys_40_forget_in_llm_calls).
    owner_id uuid not null,
    batch_id uuid not null,
    task_id uuid not null,
    api_key_id uuid,
    provider text not null,
    model text not null,
    attempt integer not null,
    outcome text not null,
    http_status integer,
    error text,
    input_tokens integer not null default 0,
    output_tokens integer not null default 0,
    cached_tokens integer not null default 0,
    thoughts_tokens integer not null default 0,
    latency_ms integer,
    cost_usd numeric(14, 8) not null default 0,
    response_id text,
    created_at timestamptz not null default now(),
    constraint llm_calls_outcome_known check (
        outcome in (
            'success', 'rate_limited', 'overloaded', 'server_error', 'timeout',
            'invalid_output', 'invalid_key', 'invalid_request'
        )
    ),
    constraint llm_calls_tokens_not_negative check (
        input_tokens >= 0 and output_tokens >= 0 and cached_tokens >= 0 and thoughts_tokens >= 0
    ),
    constraint llm_calls_latency_ms_not_negative check (latency_ms >= 0),
    constraint llm_calls_cost_usd_not_negative check (cost_usd >= 0),
    constraint llm_calls_attempt_not_negative check (attempt >= 0)
);

-- A batch's calls in time order (v_batch_progress, cost reports, and their deletion with
-- the batch); owner_id as in ai_tasks_batch_id_owner_id_stage_key_status_idx, for reads
-- under RLS. Calls are only inserted, so a batch's tokens and cost are summed from this
-- index alone.
create index llm_calls_batch_id_owner_id_created_at_idx on public.llm_calls (batch_id, owner_id, created_at)
include (input_tokens, output_tokens, cached_tokens, cost_usd);
-- A task's calls.
create index llm_calls_task_id_idx on public.llm_calls (task_id);
-- An owner's recent calls.
create index llm_calls_owner_id_created_at_idx on public.llm_calls (owner_id, created_at desc);
-- A key's calls (and forgetting the key when it is deleted).
create index llm_calls_api_key_id_idx on public.llm_calls (api_key_id) where api_key_id is not null;

comment on table public.llm_calls is
'Append-only log of every LLM call a worker made: tokens, latency, key, outcome and cost. Written by record_llm_call.';
comment on column public.llm_calls.id is 'Order of the calls.';
comment on column public.llm_calls.owner_id is 'The user who owns the task (and pays for the call).';
comment on column public.llm_calls.batch_id is 'The batch of the task.';
comment on column public.llm_calls.task_id is 'The task the call was made for.';
comment on column public.llm_calls.api_key_id is 'The key used (user_api_keys.id), never the key; null for the offline provider or a deleted key.';
comment on column public.llm_calls.provider is 'The provider called (gemini, openai, offline).';
comment on column public.llm_calls.model is 'The model called.';
comment on column public.llm_calls.attempt is 'The task''s retry_count when the call was made (0 for the first attempt).';
comment on column public.llm_calls.outcome is
'success, rate_limited, overloaded, server_error, timeout, invalid_output, invalid_key or invalid_request.';
comment on column public.llm_calls.http_status is 'The HTTP status the provider answered with, when there was one.';
comment on column public.llm_calls.error is 'The error message of a failed call.';
comment on column public.llm_calls.input_tokens is 'Prompt tokens, cached ones included.';
comment on column public.llm_calls.output_tokens is 'Output tokens, thinking tokens excluded.';
comment on column public.llm_calls.cached_tokens is 'Prompt tokens served from the provider''s cache (part of input_tokens).';
comment on column public.llm_calls.thoughts_tokens is 'Thinking tokens, billed as output.';
comment on column public.llm_calls.latency_ms is 'How long the call took, in milliseconds.';
comment on column public.llm_calls.cost_usd is 'What the call cost at the ai_models prices of the moment; 0 for an unknown model.';
comment on column public.llm_calls.response_id is 'The provider''s id of the response.';
comment on column public.llm_calls.created_at is 'When the call was recorded.';
