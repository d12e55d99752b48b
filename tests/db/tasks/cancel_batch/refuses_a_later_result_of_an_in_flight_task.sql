begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select tests.authenticate_as(:'owner_id');
select status from public.cancel_batch(:'batch_id') \gset

select tests.authenticate_as_service_role();
select throws_ok(format('select public.complete_task(%L, %L, %L)', :'task_id', :'claim_token', '{"answer": "late"}'),
    'OR006', null, 'completing a task of a cancelled batch is refused as stale');
select throws_ok(format('select public.fail_task(%L, %L, %L)', :'task_id', :'claim_token', 'late'),
    'OR006', null, 'failing it is refused too');
select tests.clear_authentication();

select is((select row(status, output_data)::text from public.ai_tasks where id = :'task_id'),
    row('cancelled', null::jsonb)::text, 'the task stays cancelled without output');

select * from finish();
rollback;
