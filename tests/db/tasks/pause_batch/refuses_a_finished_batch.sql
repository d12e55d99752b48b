begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as done_batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.complete(tests.task_id(:'done_batch_id', 'answer'), '{"answer": "a"}') as completed \gset
select id as cancelled_batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "b"}]') \gset
select status from public.cancel_batch(:'cancelled_batch_id') \gset

select tests.authenticate_as(:'owner_id');
select throws_ok(format('select public.pause_batch(%L)', :'done_batch_id'), 'OR007', null, 'a completed batch cannot be paused');
select throws_ok(format('select public.pause_batch(%L)', :'cancelled_batch_id'), 'OR007', null, 'a cancelled batch cannot be paused');
select tests.clear_authentication();

select is((select status from public.task_batches where id = :'done_batch_id'), 'completed', 'the completed batch stays completed');

select * from finish();
rollback;
