begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');

select id as first_id from public.launch_batch(
    :'orchestrator_id', '[{"question": "a"}, {"question": "b"}]', p_idempotency_key => 'key-1'
) \gset
select id as second_id, total_tasks as second_total from public.launch_batch(
    :'orchestrator_id', '[{"question": "c"}, {"question": "d"}, {"question": "e"}]', p_idempotency_key => 'key-1'
) \gset

select is(:'second_id'::uuid, :'first_id'::uuid, 'the same key returns the first batch');
select is(:'second_total'::integer, 2, 'the batch returned is the first one, with its inputs');

select tests.clear_authentication();
select is(
    (select count(*)::integer from public.task_batches where orchestrator_id = :'orchestrator_id'), 1,
    'no second batch was created'
);
select is(
    (select count(*)::integer from public.ai_tasks where orchestrator_id = :'orchestrator_id'), 2,
    'no new task was created'
);

select * from finish();
rollback;
