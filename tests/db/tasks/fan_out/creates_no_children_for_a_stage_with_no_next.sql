begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "Why?"}]') \gset

select is(tests.complete(tests.task_id(:'batch_id', 'answer'), '{"answer": "Because."}'), 'completed', 'the task completes');
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 1,
    'no child is created'
);

select * from finish();
rollback;
