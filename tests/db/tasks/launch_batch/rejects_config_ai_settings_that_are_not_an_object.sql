begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');

select throws_ok(
    format('select public.launch_batch(%L, %L::jsonb, p_config => %L::jsonb)',
        :'orchestrator_id', '[{"question": "a"}]', '{"ai_settings": "fast"}'),
    'OR003', null, 'config.ai_settings that is not an object is refused'
);

select tests.clear_authentication();
select is(
    (select count(*)::integer from public.task_batches where orchestrator_id = :'orchestrator_id'), 0,
    'no batch was created'
);

select * from finish();
rollback;
