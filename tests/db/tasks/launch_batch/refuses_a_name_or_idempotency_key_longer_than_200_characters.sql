begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset

select throws_ok(
    format($$ select public.launch_batch(%L, '[{"question": "q"}]', p_idempotency_key => repeat('k', 5000)) $$,
        :'orchestrator_id'),
    'OR003',
    'p_name and p_idempotency_key are at most 200 characters long',
    'a 5,000-character idempotency key is refused with OR003, not a btree error'
);
select throws_ok(
    format($$ select public.launch_batch(%L, '[{"question": "q"}]', p_name => repeat('n', 201)) $$, :'orchestrator_id'),
    'OR003',
    'p_name and p_idempotency_key are at most 200 characters long',
    'a 201-character name is refused with OR003'
);
select is(
    (select count(*)::integer from public.task_batches where owner_id = :'owner_id'), 0,
    'no batch is created'
);

select * from finish();
rollback;
