-- How many of p_wanted tasks an owner may take on now: all of them, unless a deployment
-- set tasks_in_flight_per_owner (orchable.limits), which caps the tasks an owner has
-- processing under a running lease. Counting stops at the cap, so a claim reads at most
-- that many rows per owner, and none when no cap is set.
create function orchable._room_in_flight(p_owner_id uuid, p_wanted integer)
returns integer
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_cap constant bigint := orchable._limit('tasks_in_flight_per_owner');
begin
    if v_cap is null then
        return p_wanted;
    end if;
    return least(p_wanted, greatest(0, v_cap - (
        select count(*) from (
            select from public.ai_tasks as t
            where t.owner_id = p_owner_id and t.status = 'processing' and t.locked_until > now()
            limit v_cap
        ) as in_flight
    )));
end
$$;

comment on function orchable._room_in_flight(uuid, integer) is
'How many of p_wanted tasks an owner may claim now under the tasks_in_flight_per_owner limit, if a deployment set one.';
