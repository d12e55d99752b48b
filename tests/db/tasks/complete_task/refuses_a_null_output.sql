begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset

select tests.authenticate_as_service_role();
select throws_ok(
    format('select public.complete_task(%L, %L, null)', :'task_id', :'claim_token'),
    'OR011', null, 'a null output is refused'
);
select throws_ok(
    format('select public.complete_task(%L, %L, %L::jsonb)', :'task_id', :'claim_token', 'null'),
    'OR011', null, 'a JSON null output is refused'
);
select tests.clear_authentication();

select is((select row(status, claim_token)::text from public.ai_tasks where id = :'task_id'),
    row('processing', :'claim_token'::uuid)::text, 'the task keeps its claim');

select * from finish();
rollback;
