begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select tests.seed_course_pipeline(:'other_id') as other_orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select id as other_batch_id from public.launch_batch(:'other_orchestrator_id', '[{"topic": "dogs"}]') \gset
select public.record_llm_call(id, 'testprov', 'm', 'success') from public.ai_tasks
where batch_id in (:'batch_id', :'other_batch_id');
select tests.complete(id, '{"questions": [{"text": "q1"}]}') from public.ai_tasks
where batch_id in (:'batch_id', :'other_batch_id');

select ok(
    (select count(*) from public.task_events where batch_id = :'batch_id') > 0
    and (select count(*) from public.llm_calls where batch_id = :'batch_id') = 1,
    'the batch has events and a call'
);

-- The batch goes by cascade: owner -> orchestrators and task_batches -> ai_tasks.
delete from auth.users where id = :'owner_id';

select is((select count(*)::integer from public.task_events where batch_id = :'batch_id'), 0,
    'its events are gone with it');
select is((select count(*)::integer from public.llm_calls where batch_id = :'batch_id'), 0,
    'its calls are gone with its tasks');
select ok(
    (select count(*) from public.task_events where batch_id = :'other_batch_id') > 0
    and (select count(*) from public.llm_calls where batch_id = :'other_batch_id') = 1,
    'another user''s batch keeps its events and calls'
);

select * from finish();
rollback;
