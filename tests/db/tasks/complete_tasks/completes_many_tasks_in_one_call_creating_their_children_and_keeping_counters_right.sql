begin;
select plan(8);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"topic": "cats"}, {"topic": "dogs"}, {"topic": "owls"}]') \gset

-- The three outlines, split into two questions each, in one call.
select jsonb_agg(jsonb_build_object('task_id', id, 'claim_token', tests.claim(id),
    'output', '{"questions": [{"text": "q1"}, {"text": "q2"}]}'::jsonb)) as results
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'outline' \gset
select tests.authenticate_as_worker();
select string_agg(status, ',') as statuses from public.complete_tasks(:'results') \gset
select tests.clear_authentication();

select is(:'statuses'::text, 'completed,completed,completed', 'complete_tasks answers completed for each outline');
select is((select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'question'), 6,
    'each outline is split into its two question tasks');
select is((select count(*)::integer from orchable.merge_groups as g
    join public.ai_tasks as t on t.id = g.split_task_id where t.batch_id = :'batch_id'), 3,
    'a merge group is opened for each split');

-- The six questions in one call: each split merges exactly once.
select jsonb_agg(jsonb_build_object('task_id', id, 'claim_token', tests.claim(id),
    'output', jsonb_build_object('answer', branch_index))) as results
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'question' \gset
select tests.authenticate_as_worker();
select string_agg(status, ',') as statuses from public.complete_tasks(:'results') \gset
select tests.clear_authentication();

select is(:'statuses'::text, 'completed,completed,completed,completed,completed,completed',
    'complete_tasks answers completed for each question');
select results_eq(
    format($$ select input_data -> 'answers' from public.ai_tasks where batch_id = %L and stage_key = 'quiz' $$,
        :'batch_id'),
    $$ values ('[{"answer": 0}, {"answer": 1}]'::jsonb), ('[{"answer": 0}, {"answer": 1}]'::jsonb),
        ('[{"answer": 0}, {"answer": 1}]'::jsonb) $$,
    'one quiz per split merges both answers in branch order'
);

-- The three quizzes in one call finish the batch.
select jsonb_agg(jsonb_build_object('task_id', id, 'claim_token', tests.claim(id), 'output', '{"quiz": "ok"}'::jsonb))
    as results
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz' \gset
select tests.authenticate_as_worker();
select count(*) from public.complete_tasks(:'results');
select tests.clear_authentication();

select is(
    (select row(completed_tasks, failed_tasks)::text from public.task_batches where id = :'batch_id'),
    (select row(completed_tasks, failed_tasks)::text from tests.recount(:'batch_id')),
    'the batch counters match a recount from the tasks'
);
select is(
    (select row(status, total_tasks, completed_tasks)::text from public.task_batches where id = :'batch_id'),
    row('completed', 3, 3)::text,
    'the batch completes with its three inputs'
);
select is(
    (select sum(open_count)::integer from orchable.task_trees where batch_id = :'batch_id'), 0,
    'no tree has an open task left'
);

select * from finish();
rollback;
