begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
select id as task_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'a' \gset
select public.fail_task(:'task_id', tests.claim(:'task_id'), 'bad', false) as failed \gset
select status from public.cancel_batch(:'batch_id') \gset

select tests.authenticate_as(:'owner_id');
select throws_ok(format('select public.retry_task(%L)', :'task_id'), 'OR007', null,
    'a failed task of a cancelled batch cannot be retried');
select tests.clear_authentication();

select is((select status from public.ai_tasks where id = :'task_id'), 'failed', 'the task stays failed');

select * from finish();
rollback;
