-- SECURITY DEFINER: nobody but orchable writes a key's health. For operators and tests
-- (it takes a clock, p_now); workers report with report_api_key_results.
create function orchable_rpc.report_api_key_result(
    p_api_key_id uuid,
    p_outcome text,
    p_retry_after_seconds integer default null,
    p_error text default null,
    p_now timestamptz default null
)
returns public.api_key_health
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    -- Key health is advice for the next acquire: its commit need not wait for the disk,
    -- so the key's row lock is held for microseconds, not a WAL flush. A crash loses at
    -- most the last moment of it, and the next call learns it again.
    perform set_config('synchronous_commit', 'off', true);
    return orchable._report_api_key_calls(p_api_key_id, p_outcome, 1, p_retry_after_seconds, p_error, p_now);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.report_api_key_result(
    p_api_key_id uuid,
    p_outcome text,
    p_retry_after_seconds integer default null,
    p_error text default null,
    p_now timestamptz default null
)
returns public.api_key_health
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.report_api_key_result(p_api_key_id, p_outcome, p_retry_after_seconds, p_error, p_now);
end
$$;

comment on function orchable_rpc.report_api_key_result(uuid, text, integer, text, timestamptz) is
'The implementation of public.report_api_key_result, run with its owner''s rights; callable by the roles that may call public.report_api_key_result.';

comment on function public.report_api_key_result(uuid, text, integer, text, timestamptz) is
'service_role only (operators, tests; workers use report_api_key_results). Records how a call with a key went, and blocks or deactivates the key accordingly.
success resets the failure streak and clears the block, unless it is a rate limit''s still in force. rate_limited blocks for p_retry_after_seconds,
else 30 s * 2^(streak - 1) up to 1 hour; server_error and timeout block for 5 s * 2^(streak - 1) up to 5 minutes;
invalid_key deactivates the key at once; so does a streak of 10 failures or more that has lasted 10 minutes,
unless the last is a rate limit (too_many_failures: <error>). A failure reported while the key is blocked (a call
in flight when the block began) changes neither the streak nor the block, but for a Retry-After it carries.
Errors: OR100 negative retry-after, OR101 key not found, OR102 unknown outcome.';
revoke all on function orchable_rpc.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role, orchable_worker;
revoke all on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
from public, anon, authenticated, service_role, orchable_worker;
grant execute on function orchable_rpc.report_api_key_result(uuid, text, integer, text, timestamptz)
to service_role;
grant execute on function public.report_api_key_result(uuid, text, integer, text, timestamptz)
to service_role;
