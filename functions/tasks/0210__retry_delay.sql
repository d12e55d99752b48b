create function orchable._retry_delay(p_retry_count integer)
returns interval
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    return make_interval(secs => least(3600, 10 * power(2, greatest(p_retry_count - 1, 0))) * (0.5 + random()));
end
$$;

comment on function orchable._retry_delay(integer) is
'Exponential backoff with jitter before retry n: 10 s * 2^(n-1), capped at an hour, times 0.5 to 1.5.';
