begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');

select throws_ok(
    format('select public.launch_batch(%L, %L::jsonb)', :'orchestrator_id', '{}'),
    'OR003', null, 'an object is refused'
);
select throws_ok(
    format('select public.launch_batch(%L, %L::jsonb)', :'orchestrator_id', '[]'),
    'OR003', null, 'an empty array is refused'
);
select throws_ok(
    format('select public.launch_batch(%L, %L::jsonb)', :'orchestrator_id', 'null'),
    'OR003', null, 'JSON null is refused'
);
select throws_ok(
    format('select public.launch_batch(%L, null)', :'orchestrator_id'),
    'OR003', null, 'SQL null is refused'
);
select throws_ok(
    format('select public.launch_batch(%L, %L::jsonb)', :'orchestrator_id', '"cats"'),
    'OR003', null, 'a string is refused'
);

select tests.clear_authentication();
select is(
    (select count(*)::integer from public.task_batches where orchestrator_id = :'orchestrator_id'), 0,
    'no batch was created'
);
select is(
    (select count(*)::integer from public.ai_tasks where orchestrator_id = :'orchestrator_id'), 0,
    'no task was created'
);

select * from finish();
rollback;
