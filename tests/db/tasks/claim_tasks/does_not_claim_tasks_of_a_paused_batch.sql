begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
select id as expired_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'b' \gset
select tests.claim(:'expired_id') is not null as claimed \gset
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'expired_id';
select status from public.pause_batch(:'batch_id') \gset

select tests.authenticate_as_worker();
select count(*) as claimed_count from public.claim_tasks('w1', 10) \gset
select tests.clear_authentication();

select is(:'claimed_count'::integer, 0,
    'neither a planned task nor an expired lease of a paused batch is claimed');
select is((select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and status = 'plan'), 1,
    'the planned task stays in plan');
select is((select locked_by from public.ai_tasks where id = :'expired_id'), 'tests',
    'the expired lease is not taken over');

select * from finish();
rollback;
