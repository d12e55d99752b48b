begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset
select status from public.pause_batch(:'batch_id') \gset
select public.complete_task(:'task_id', :'claim_token', '{"answer": "a"}') as completed \gset

select is((select status from public.task_batches where id = :'batch_id'), 'paused', 'the batch stays paused while its last task completes');

select tests.authenticate_as(:'owner_id');
select status as resumed_status from public.resume_batch(:'batch_id') \gset
select tests.clear_authentication();

select is(:'resumed_status'::text, 'completed', 'resuming a batch with nothing left open completes it');
select isnt((select finished_at from public.task_batches where id = :'batch_id'), null, 'its finish time is set');

select * from finish();
rollback;
