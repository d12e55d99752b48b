begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset

select public.release_task(:'task_id', :'claim_token', 90, 'no usable gemini key');

select is((select run_after from public.ai_tasks where id = :'task_id'), now() + interval '90 seconds',
    'run_after is now plus the delay');
select is((select count(*)::integer from public.v_runnable_tasks where id = :'task_id'), 0,
    'the task is not runnable before then (it waits, it does not fail)');

select * from finish();
rollback;
