begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    (select jsonb_agg(jsonb_build_object('question', n::text)) from generate_series(1, 500) as n)) \gset

-- 500 ids made within a millisecond or two: random bits alone would sort them any way.
select is(
    (select array_agg((input_data ->> 'question')::integer order by id) from public.ai_tasks where batch_id = :'batch_id'),
    (select array_agg(n) from generate_series(1, 500) as n),
    'a launch''s inputs sort by id in the order they were given, so the console lists them so');
select is(
    (select count(*)::integer from public.ai_tasks
     where batch_id = :'batch_id' and substring(id::text from 15 for 1) = '7' and substring(id::text from 20 for 1) in ('8', '9', 'a', 'b')),
    500, 'and every id is still a version 7 UUID of the RFC variant');

select * from finish();
rollback;
