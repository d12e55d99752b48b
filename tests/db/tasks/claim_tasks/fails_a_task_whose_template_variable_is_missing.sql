begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}, {"topic": "cats"}]') \gset
select id as bad_id from public.ai_tasks where batch_id = :'batch_id' and input_data ? 'topic' \gset
select id as good_id from public.ai_tasks where batch_id = :'batch_id' and input_data ? 'question' \gset

select tests.authenticate_as_worker();
create temporary table claimed on commit drop as select * from public.claim_tasks('w1', 10);
select tests.clear_authentication();

select results_eq('select task_id from claimed', format('values (%L::uuid)', :'good_id'),
    'only the task whose variables are all there is returned');

select is((select status from public.ai_tasks where id = :'bad_id'), 'failed', 'the task is failed');
select is((select error_code from public.ai_tasks where id = :'bad_id'), 'OR008', 'with error code OR008');
select matches((select error_message from public.ai_tasks where id = :'bad_id'), '"question"',
    'the message names the missing variable');
select is(
    (select row(claim_token, locked_by, locked_until)::text from public.ai_tasks where id = :'bad_id'),
    row(null::uuid, null::text, null::timestamptz)::text, 'the failed task holds no lease'
);
select is((select failed_tasks from public.task_batches where id = :'batch_id'), 1, 'the batch counts the failed input');

select * from finish();
rollback;
