begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset
select tests.complete(id, '{"questions": [{"text": "q1"}, {"text": "q2"}]}') from public.ai_tasks
where batch_id = :'batch_id' and stage_key = 'outline';
select id as kept_batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "owls"}]') \gset

select tests.authenticate_as(:'owner_id');
select public.delete_batch(:'batch_id');
select tests.clear_authentication();

select is((select count(*)::integer from public.task_batches where id = :'batch_id'), 0, 'the batch is gone');
select is((select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 0, 'its tasks are gone');
select is((select count(*)::integer from public.task_events where batch_id = :'batch_id'), 0, 'its events are gone');
select is((select count(*)::integer from orchable.task_trees where batch_id = :'batch_id'), 0, 'its task trees are gone');
select is((select count(*)::integer from public.ai_tasks where batch_id = :'kept_batch_id'), 1, 'another batch is untouched');

select * from finish();
rollback;
