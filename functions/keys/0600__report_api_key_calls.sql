-- How calls with a key went, for report_api_key_result and report_api_key_results: the
-- key's health row is locked, and the key blocked or deactivated as the outcome says.
-- p_calls is how many calls in a row had this outcome; only successes come in runs (a
-- failure changes the streak, so each is reported alone). The callers set
-- synchronous_commit.
create function orchable._report_api_key_calls(
    p_api_key_id uuid,
    p_outcome text,
    p_calls integer,
    p_retry_after_seconds integer,
    p_error text,
    p_now timestamptz
)
returns public.api_key_health
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_health public.api_key_health;
    v_failures integer;
    v_cooldown interval;
    v_reason text;
    v_deactivate boolean := false;
    v_rate_limited boolean;
begin
    if p_outcome is null
        or p_outcome not in ('success', 'rate_limited', 'server_error', 'timeout', 'invalid_key') then
        raise exception 'unknown outcome %', coalesce(quote_literal(p_outcome), 'null')
            using errcode = 'OR102',
            detail = 'p_outcome is not one of the outcomes a call can have.',
            hint = 'Use success, rate_limited, server_error, timeout or invalid_key.';
    end if;
    if p_calls is null or p_calls < 1 or (p_calls > 1 and p_outcome <> 'success') then
        raise exception 'a run of % % calls', p_calls, p_outcome
            using errcode = 'OR010',
            detail = 'Only successes are reported in runs; each failure is reported alone.',
            hint = 'Report failures one by one, in the order they happened.';
    end if;
    if p_retry_after_seconds < 0 then
        raise exception 'negative retry-after: % seconds', p_retry_after_seconds
            using errcode = 'OR100',
            detail = 'p_retry_after_seconds must be zero or more.',
            hint = 'Pass the Retry-After the provider sent, or null.';
    end if;

    select h.* into v_health
    from public.api_key_health as h
    where h.user_api_key_id = p_api_key_id
    for update;
    if not found then
        raise exception 'API key % not found', p_api_key_id
            using errcode = 'OR101',
            detail = 'No user_api_keys row has this id.',
            hint = 'Report the api_key_id acquire_api_key returned; the key may have been deleted.';
    end if;

    if p_outcome = 'success' then
        v_rate_limited := coalesce(v_health.block_reason = 'rate_limited' and v_health.blocked_until > v_now, false);
        -- A success ends the streak and a cooldown for errors, but not a rate limit's: a
        -- call in flight when the quota ran out says nothing about when it comes back.
        update public.api_key_health as h
        set
            consecutive_failures = 0,
            blocked_until = case when v_rate_limited then h.blocked_until end,
            failing_since = null,
            -- A deactivated key keeps the reason it was deactivated for.
            block_reason = case when not k.is_active or v_rate_limited then h.block_reason end,
            total_calls = h.total_calls + p_calls,
            updated_at = v_now
        from public.user_api_keys as k
        where h.user_api_key_id = p_api_key_id and k.id = h.user_api_key_id
        returning h.* into v_health;
        return v_health;
    end if;

    v_reason := p_outcome;
    if v_health.blocked_until > v_now then
        -- The key is blocked: this call was in flight when the block began (acquire hands
        -- out no blocked key), and it failed for the same cause. The block already counts
        -- that failure: a burst of them neither lengthens the streak nor the cooldown, or
        -- one stumble of the provider would block every key for minutes. Only a
        -- Retry-After the provider sent is honoured.
        v_failures := v_health.consecutive_failures;
        v_cooldown := make_interval(secs => p_retry_after_seconds);
        v_deactivate := p_outcome = 'invalid_key';
        if not v_deactivate and v_health.blocked_until >= v_now + coalesce(v_cooldown, interval '0') then
            v_reason := v_health.block_reason;  -- the block stands as it was
        end if;
    else
        v_failures := v_health.consecutive_failures + 1;
        if p_outcome = 'rate_limited' then
            v_cooldown := make_interval(secs => coalesce(
                p_retry_after_seconds, least(30 * power(2, least(v_failures, 20) - 1), 3600)
            ));
        elsif p_outcome in ('server_error', 'timeout') then
            v_cooldown := make_interval(secs => least(5 * power(2, least(v_failures, 20) - 1), 300));
        else
            v_deactivate := true;
        end if;
    end if;
    -- Too many failures: 10 in a row over 10 minutes or more, and not rate limits (a quota
    -- comes back; its cooldown is enough). A burst does not count however long it is:
    -- the calls in flight on a key when the provider stumbles all fail within seconds, and
    -- an outage must not switch off the whole pool.
    if v_failures >= 10
        and p_outcome <> 'rate_limited'
        and v_now - coalesce(v_health.failing_since, v_now) >= interval '10 minutes'
        and not v_deactivate then
        v_deactivate := true;
        v_reason := 'too_many_failures: ' || coalesce(p_error, p_outcome);
    end if;

    update public.api_key_health as h
    set
        consecutive_failures = v_failures,
        -- A cooldown never shortens a longer block already in force.
        blocked_until = greatest(h.blocked_until, v_now + v_cooldown),
        block_reason = v_reason,
        total_calls = h.total_calls + 1,
        total_failures = h.total_failures + 1,
        last_error = coalesce(p_error, h.last_error),
        updated_at = v_now,
        failing_since = coalesce(h.failing_since, v_now)
    where h.user_api_key_id = p_api_key_id
    returning h.* into v_health;

    if v_deactivate then
        update public.user_api_keys as k
        set is_active = false, updated_at = v_now
        where k.id = p_api_key_id;
    end if;
    return v_health;
end
$$;

comment on function orchable._report_api_key_calls(uuid, text, integer, integer, text, timestamptz) is
'Records p_calls calls in a row with one outcome on a key (only successes come in runs): the body of report_api_key_result(s).
Private; nobody is granted execute.';
revoke all on function orchable._report_api_key_calls(uuid, text, integer, integer, text, timestamptz)
from public, anon, authenticated, service_role;
