begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset

select clock_timestamp() as before_launch \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset
select tests.complete(tests.task_id(:'batch_id', 'outline'),
    '{"questions": [{"text": "q1"}, {"text": "q2"}, {"text": "q3"}]}');
select tests.complete(tests.task_id(:'batch_id', 'question', 0), '{"answer": "a1"}');
select clock_timestamp() as after_fan_out \gset

-- The first 48 bits of an id, as a time (milliseconds since 1970).
create temporary view id_times as
select
    t.stage_key,
    substr(t.id::text, 15, 1) as version,
    to_timestamp(('x' || lpad(replace(left(t.id::text, 13), '-', ''), 16, '0'))::bit(64)::bigint / 1000.0) as made_at
from public.ai_tasks as t
where t.batch_id = :'batch_id';

select results_eq(
    'select stage_key, count(*)::integer from id_times group by stage_key order by stage_key',
    $$ values ('outline', 2), ('question', 3) $$,
    'the launch made two roots and the first outline three question branches'
);
select is(
    (select array_agg(distinct version) from id_times), array['7'],
    'every task id, root or child, is a version 7 UUID'
);
select ok(
    (select bool_and(made_at between date_trunc('milliseconds', :'before_launch'::timestamptz) and :'after_fan_out'::timestamptz)
     from id_times),
    'each id starts with the millisecond it was made in'
);
select * from finish();
rollback;
