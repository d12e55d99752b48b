begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset

-- The first claim, then four expired leases, each claimed again.
select count(*) from public.claim_tasks('w1', 1);
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';
select count(*) from public.claim_tasks('w1', 1);
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';
select count(*) from public.claim_tasks('w1', 1);
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';
select count(*) from public.claim_tasks('w1', 1);
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';
select count(*) from public.claim_tasks('w1', 1);

select is(
    (select row(status, lease_expired_count)::text from public.ai_tasks where id = :'task_id'),
    row('processing', 4)::text, 'after four expired leases the task is still claimed'
);

update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';
select tests.authenticate_as_worker();
select count(*) as claimed_count from public.claim_tasks('w1', 1) \gset
select tests.clear_authentication();

select is(:'claimed_count'::integer, 0, 'the fifth expired lease is not handed out again');
select is((select status from public.ai_tasks where id = :'task_id'), 'failed', 'the task fails');
select is((select error_code from public.ai_tasks where id = :'task_id'), 'OR014', 'as poison (OR014)');
select is((select retry_count from public.ai_tasks where id = :'task_id'), 0, 'no retry was spent');
select is((select failed_tasks from public.task_batches where id = :'batch_id'), 1, 'the batch counts the failed input');

select * from finish();
rollback;
