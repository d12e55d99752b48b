begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset

select throws_ok(format('select public.release_task(%L, %L, -1)', :'task_id', :'claim_token'),
    'OR010', null, 'a negative delay is refused');
select throws_ok(format('select public.release_task(%L, %L, 86401)', :'task_id', :'claim_token'),
    'OR010', null, 'a delay over a day is refused');
select is((select status from public.ai_tasks where id = :'task_id'), 'processing', 'the task is still held');

select * from finish();
rollback;
