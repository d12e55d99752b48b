create table public.api_key_health (
    user_api_key_id uuid primary key,
    owner_id uuid not null,
    last_used_at timestamptz,
    consecutive_failures integer not null default 0,
    blocked_until timestamptz,
    block_reason text,
    total_calls bigint not null default 0,
    total_failures bigint not null default 0,
    last_error text,
    updated_at timestamptz not null default now(),
    failing_since timestamptz,
    -- The key's row, and the same owner as the key (so RLS can read owner_id here).
    constraint api_key_health_user_api_key_id_owner_id_fkey foreign key (user_api_key_id, owner_id)
    references public.user_api_keys (id, owner_id) on delete cascade,
    constraint api_key_health_counts_not_negative check (
        consecutive_failures >= 0 and total_failures >= 0 and total_calls >= 0
    ),
    constraint api_key_health_failures_within_calls check (total_failures <= total_calls),
    constraint api_key_health_blocked_has_reason check (blocked_until is null or block_reason is not null)
);

create index api_key_health_owner_id_idx on public.api_key_health (owner_id);

comment on table public.api_key_health is
'Usage and failure state of one API key: acquire_api_key skips blocked keys; report_api_key_result writes it.';
comment on column public.api_key_health.user_api_key_id is 'The key (user_api_keys.id).';
comment on column public.api_key_health.owner_id is 'The key''s owner, copied so row-level security needs no join.';
comment on column public.api_key_health.last_used_at is
'When acquire_api_key last handed out the key; the least recently used key goes first.';
comment on column public.api_key_health.consecutive_failures is
'Failures since the last success, the failures reported while the key was blocked counting with the one that blocked it; cooldowns grow with it (see report_api_key_result).';
comment on column public.api_key_health.blocked_until is 'The key is not handed out before this time (rate limit or error cooldown).';
comment on column public.api_key_health.block_reason is
'Why the key is blocked or deactivated: rate_limited, server_error, timeout, invalid_key, too_many_failures: <error>.';
comment on column public.api_key_health.total_calls is 'Calls reported with report_api_key_result.';
comment on column public.api_key_health.total_failures is 'Reported calls that failed.';
comment on column public.api_key_health.last_error is 'The error text of the last failed call.';
comment on column public.api_key_health.updated_at is 'When acquire_api_key or report_api_key_result last changed the row.';
comment on column public.api_key_health.failing_since is
'When the current streak of failures began (null after a success): a key is deactivated for too many failures only once it has failed for 10 minutes.';
