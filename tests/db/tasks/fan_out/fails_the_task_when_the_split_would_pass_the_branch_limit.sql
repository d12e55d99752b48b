begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset
select id as big_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'topic' = 'cats' \gset
select id as small_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'topic' = 'dogs' \gset
update orchable.limits set value = 3 where name = 'branches_per_split';

-- One output must not make its completion create children without bound.
select is(
    tests.complete(:'big_id', '{"questions": [{"text": "1"}, {"text": "2"}, {"text": "3"}, {"text": "4"}]}'),
    'failed', 'an output that would split into more branches than branches_per_split fails');
select results_eq(
    format('select status, error_code, error_message from public.ai_tasks where id = %L', :'big_id'),
    $$ values ('failed', 'OR009', 'split_path "questions" of stage "question" holds 4 elements; a split makes at most 3 branches') $$,
    'with OR009, naming the count and the limit');
select is(tests.complete(:'small_id', '{"questions": [{"text": "1"}, {"text": "2"}, {"text": "3"}]}'), 'completed',
    'an output of as many elements as the limit splits');
select is((select count(*)::integer from public.ai_tasks where parent_task_id = :'small_id'), 3,
    'into one branch each');

select * from finish();
rollback;
