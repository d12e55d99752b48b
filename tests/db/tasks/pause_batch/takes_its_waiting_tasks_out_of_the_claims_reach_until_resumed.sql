begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
select id as backoff_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'b' \gset
update public.ai_tasks set run_after = now() + interval '1 hour' where id = :'backoff_id';

select tests.authenticate_as(:'owner_id');
select public.pause_batch(:'batch_id');
select tests.clear_authentication();

-- Sorted after every due task in the claim's index, they are never read by a claim.
select is(
    (select array_agg(distinct run_after) from public.ai_tasks where batch_id = :'batch_id'),
    array['infinity'::timestamptz],
    'pausing a batch makes its waiting tasks wait until infinity');
select tests.authenticate_as_worker();
select is((select count(*)::integer from public.claim_tasks('w1', 10)), 0, 'no claim takes them');
select tests.clear_authentication();

select tests.authenticate_as(:'owner_id');
select public.resume_batch(:'batch_id');
select tests.clear_authentication();

select ok(
    (select bool_and(run_after <= now()) from public.ai_tasks where batch_id = :'batch_id'),
    'resuming makes them due at once (a backoff does not outlast a pause)');
select tests.authenticate_as_worker();
select is((select count(*)::integer from public.claim_tasks('w1', 10)), 2, 'and claims take them again');
select tests.clear_authentication();

-- A batch paused by its budget holds its tasks the same way.
select id as budget_batch from public.launch_batch(:'orchestrator_id', '[{"question": "c"}]') \gset
update public.task_batches set status = 'paused', status_reason = 'budget reached' where id = :'budget_batch';
select is((select run_after from public.ai_tasks where batch_id = :'budget_batch'), 'infinity'::timestamptz,
    'a batch paused any other way holds its tasks too');

select * from finish();
rollback;
