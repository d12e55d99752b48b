begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select tests.clear_authentication();
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';

select tests.authenticate_as_worker();
select public.complete_task(:'task_id', :'claim_token', '{"answer": "slow"}') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'completed', 'a result after the lease expired is taken while no one else claimed the task');
select is((select row(status, output_data)::text from public.ai_tasks where id = :'task_id'),
    row('completed', '{"answer": "slow"}'::jsonb)::text, 'the task is completed with that output');

select * from finish();
rollback;
