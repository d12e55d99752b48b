begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select public.fail_task(:'task_id', tests.claim(:'task_id'), 'bad', false) as failed \gset

select tests.authenticate_as(:'other_id');
select throws_ok(format('select public.retry_task(%L)', :'task_id'), 'OR004', null,
    'another user''s task is refused as if it did not exist');
select tests.clear_authentication();

select is((select status from public.ai_tasks where id = :'task_id'), 'failed', 'the task stays failed');

select * from finish();
rollback;
