begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');

select id as first_id from public.launch_batch(
    :'orchestrator_id', '[{"question": "a"}]', p_idempotency_key => 'key-1'
) \gset
select id as second_id from public.launch_batch(
    :'orchestrator_id', '[{"question": "b"}]', p_idempotency_key => 'key-2'
) \gset

select isnt(:'second_id'::uuid, :'first_id'::uuid, 'a different key makes a new batch');

select tests.clear_authentication();
select is(
    (select count(*)::integer from public.task_batches where orchestrator_id = :'orchestrator_id'), 2,
    'two batches exist'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'second_id'), 1,
    'the new batch has its own task'
);

select * from finish();
rollback;
