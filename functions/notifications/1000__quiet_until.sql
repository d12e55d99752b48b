-- When a delivery due at p_at may go to p_endpoint: p_at, or the end of the endpoint's
-- quiet hours when p_at falls in them (read in their time zone; a window whose end is
-- before its start spans midnight).
create function orchable._quiet_until(p_endpoint public.notification_endpoints, p_at timestamptz)
returns timestamptz
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_local timestamp := p_at at time zone p_endpoint.quiet_hours_timezone;
    v_time time := v_local::time;
    v_start time := p_endpoint.quiet_hours_start;
    v_stop time := p_endpoint.quiet_hours_end;
    v_end timestamptz;
begin
    if v_start is null
        or (v_start <= v_stop and not (v_time >= v_start and v_time < v_stop))
        or (v_start > v_stop and not (v_time >= v_start or v_time < v_stop)) then
        return p_at;
    end if;
    v_end := (v_local::date + p_endpoint.quiet_hours_end) at time zone p_endpoint.quiet_hours_timezone;
    if v_end <= p_at then
        v_end := (v_local::date + 1 + p_endpoint.quiet_hours_end) at time zone p_endpoint.quiet_hours_timezone;
    end if;
    return v_end;
end
$$;

comment on function orchable._quiet_until(public.notification_endpoints, timestamptz) is
'p_at, or the end of the endpoint''s quiet hours when p_at falls in them.';
