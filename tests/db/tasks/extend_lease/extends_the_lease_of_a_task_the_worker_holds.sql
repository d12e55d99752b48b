begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1, 60) \gset
select public.extend_lease(:'task_id', :'claim_token', 3600) as locked_until \gset
select tests.clear_authentication();

select is(:'locked_until'::timestamptz, now() + interval '1 hour', 'it returns now() plus the new lease');
select is(
    (select row(status, locked_until, claim_token, locked_by)::text from public.ai_tasks where id = :'task_id'),
    row('processing', now() + interval '1 hour', :'claim_token'::uuid, 'w1')::text,
    'the task keeps its claim, with the lease moved to the new end'
);
select is(
    (select retry_count + lease_expired_count from public.ai_tasks where id = :'task_id'), 0,
    'extending spends no retry and counts no expired lease'
);

select * from finish();
rollback;
