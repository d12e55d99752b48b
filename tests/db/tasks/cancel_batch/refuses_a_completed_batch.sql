begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.complete(tests.task_id(:'batch_id', 'answer'), '{"answer": "a"}') as completed \gset

select tests.authenticate_as(:'owner_id');
select throws_ok(format('select public.cancel_batch(%L)', :'batch_id'), 'OR007', null, 'a completed batch cannot be cancelled');
select tests.clear_authentication();

select is((select status from public.task_batches where id = :'batch_id'), 'completed', 'it stays completed');

select * from finish();
rollback;
