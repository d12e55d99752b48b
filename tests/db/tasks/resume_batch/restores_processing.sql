begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
select tests.complete(id, '{"answer": "a"}') from public.ai_tasks
where batch_id = :'batch_id' and input_data ->> 'question' = 'a';

select tests.authenticate_as(:'owner_id');
select status as paused_status from public.pause_batch(:'batch_id') \gset
select status as resumed_status from public.resume_batch(:'batch_id') \gset
select tests.clear_authentication();

select is(:'paused_status'::text, 'paused', 'the processing batch was paused');
select is(:'resumed_status'::text, 'processing', 'a batch paused while processing is processing again');

select * from finish();
rollback;
