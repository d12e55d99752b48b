begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset

select tests.authenticate_as(:'other_id');
select throws_ok(
    format('select public.launch_batch(%L, %L::jsonb)', gen_random_uuid(), '[{"question": "a"}]'),
    'OR002', null, 'an unknown orchestrator is refused'
);
select throws_ok(
    format('select public.launch_batch(%L, %L::jsonb)', :'orchestrator_id', '[{"question": "a"}]'),
    'OR002', null, 'another user''s orchestrator is refused as if it did not exist'
);

select tests.clear_authentication();
select is(
    (select count(*)::integer from public.task_batches where orchestrator_id = :'orchestrator_id'), 0,
    'no batch was created'
);

select * from finish();
rollback;
