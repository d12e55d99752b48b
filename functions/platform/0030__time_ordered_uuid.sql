-- A UUID whose first 48 bits are the Unix time in milliseconds (the UUIDv7 layout of
-- RFC 9562; PostgreSQL 18 has uuidv7(), 15 has not), the rest random. Task ids are made
-- with it: tasks created together sit together in every index keyed by a task id (the
-- primary key, task_events and llm_calls by task), so a claim or a completion of 64 tasks
-- touches a few index pages instead of 64 scattered ones.
create function orchable.time_ordered_uuid()
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_bytes bytea := uuid_send(gen_random_uuid());  -- random, with the RFC variant bits
begin
    v_bytes := overlay(v_bytes placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6);
    v_bytes := set_byte(v_bytes, 6, (get_byte(v_bytes, 6) & 15) | 112);  -- version 7
    return encode(v_bytes, 'hex')::uuid;
end
$$;

comment on function orchable.time_ordered_uuid() is
'A version 7 UUID: Unix milliseconds in its first 48 bits, random after. The id of every task orchable creates.';
