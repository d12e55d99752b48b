-- How many tasks an owner has processing under a running lease, counted up to p_at_most:
-- the claim asks only where a deployment set tasks_in_flight_per_owner (orchable.limits),
-- and then reads at most that many rows per owner.
create function orchable._tasks_in_flight(p_owner_id uuid, p_at_most bigint)
returns integer
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
    select count(*)::integer from (
        select from public.ai_tasks as t
        where t.owner_id = p_owner_id and t.status = 'processing' and t.locked_until > now()
        limit p_at_most
    ) as in_flight
$$;

comment on function orchable._tasks_in_flight(uuid, bigint) is
'How many tasks an owner has processing under a running lease, counted up to p_at_most (for the tasks_in_flight_per_owner limit).';
