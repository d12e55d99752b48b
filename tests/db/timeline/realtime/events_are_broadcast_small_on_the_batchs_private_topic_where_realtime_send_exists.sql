begin;
select plan(7);

-- Supabase's realtime schema, as far as the broadcast uses it: send() captured in a table,
-- topic() read from a setting, messages with RLS.
create schema realtime;
create table realtime.sent (payload jsonb, event text, topic text, private boolean);
grant insert on realtime.sent to public;
create function realtime.send(payload jsonb, event text, topic text, private boolean default true)
returns void language sql as $$ insert into realtime.sent values (payload, event, topic, private) $$;
create function realtime.topic() returns text language sql stable
as $$ select current_setting('realtime.topic', true) $$;
create table realtime.messages (id bigserial primary key, topic text, extension text, payload jsonb);
alter table realtime.messages enable row level security;
grant usage on schema realtime to public;
grant select on realtime.messages to authenticated;
grant execute on function realtime.topic() to authenticated;

select is(
    orchable._wire_realtime_broadcast(),
    array['task_events_60_broadcast', 'realtime.messages policy'],
    'where realtime.send and realtime.messages exist, the trigger and the policy are created'
);
select is(orchable._wire_realtime_broadcast(), '{}'::text [], 'wiring again creates nothing');

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a secret input"}]') \gset
select tests.complete(tests.task_id(:'batch_id', 'answer'), '{"answer": "a secret output"}');

select is(
    (select array_agg(distinct topic || ' ' || private::text || ' ' || event) from realtime.sent),
    array['orchable:batch:' || :'batch_id' || ' true timeline'],
    'every broadcast goes on the batch''s private topic'
);
select is(
    (select sum(jsonb_array_length(payload -> 'events'))::integer from realtime.sent),
    (select count(*)::integer from public.task_events where batch_id = :'batch_id'),
    'every event is broadcast once'
);
select ok(
    (select bool_and(payload::text not like '%secret%' and octet_length(payload::text) < 8000) from realtime.sent),
    'no input or output travels, and every message is small'
);

-- Only the batch's owner receives its topic.
insert into realtime.messages (topic, extension, payload)
values ('orchable:batch:' || :'batch_id', 'broadcast', '{}');
select set_config('realtime.topic', 'orchable:batch:' || :'batch_id', true);
select tests.authenticate_as(:'owner_id');
select is((select count(*)::integer from realtime.messages), 1, 'the owner receives the batch''s topic');
select tests.clear_authentication();
select tests.authenticate_as(:'other_id');
select is((select count(*)::integer from realtime.messages), 0, 'another user does not');
select tests.clear_authentication();

select * from finish();
rollback;
