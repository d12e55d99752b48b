begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
select id as plan_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'a' \gset
select id as done_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'b' \gset
select tests.complete(:'done_id', '{"answer": "b"}') as completed \gset

select tests.authenticate_as(:'owner_id');
select throws_ok(format('select public.retry_task(%L)', :'plan_id'), 'OR007', null, 'a task in plan cannot be retried');
select throws_ok(format('select public.retry_task(%L)', :'done_id'), 'OR007', null, 'a completed task cannot be retried');
select tests.clear_authentication();

select is((select status from public.ai_tasks where id = :'done_id'), 'completed', 'the completed task stays completed');

select * from finish();
rollback;
