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

-- The same with p_sequence (0 to 262,143) in the 18 bits after the time instead of random
-- ones (a counter, as RFC 9562's method 1 has it): ids made in one statement for a list,
-- such as a launch's inputs, sort in the list's order, even within one millisecond.
create function orchable.time_ordered_uuid(p_sequence integer)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_bytes bytea := uuid_send(orchable.time_ordered_uuid());
begin
    if p_sequence is null or p_sequence not between 0 and 262143 then
        raise exception 'p_sequence % is not from 0 to 262,143', coalesce(p_sequence::text, 'null')
            using errcode = 'OR003', hint = 'number the ids of one list from 0';
    end if;
    v_bytes := set_byte(v_bytes, 6, 112 | (p_sequence >> 14));  -- version 7, 4 bits
    v_bytes := set_byte(v_bytes, 7, (p_sequence >> 6) & 255);  -- 8 bits
    v_bytes := set_byte(v_bytes, 8, 128 | (p_sequence & 63));  -- the variant, 6 bits
    return encode(v_bytes, 'hex')::uuid;
end
$$;

comment on function orchable.time_ordered_uuid(integer) is
'A version 7 UUID with p_sequence (0 to 262,143) in the 18 bits after its milliseconds: the ids of one list sort in its order. The id of every input a launch makes.';
