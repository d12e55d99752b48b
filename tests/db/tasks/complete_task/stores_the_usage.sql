begin;
select plan(1);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.complete_task(:'task_id', :'claim_token', '{"answer": "x"}',
    '{"input_tokens": 12, "output_tokens": 34}') as result \gset
select tests.clear_authentication();

select is((select usage from public.ai_tasks where id = :'task_id'),
    '{"input_tokens": 12, "output_tokens": 34}'::jsonb, 'the usage reported with the output is stored');

select * from finish();
rollback;
