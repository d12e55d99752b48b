begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset

-- cats has no questions array; dogs has one.
select jsonb_agg(jsonb_build_object('task_id', id, 'claim_token', tests.claim(id), 'output',
    case when input_data ->> 'topic' = 'cats' then '{"topics": ["a"]}'::jsonb
        else '{"questions": [{"text": "q"}]}'::jsonb end) order by input_data ->> 'topic') as results
from public.ai_tasks where batch_id = :'batch_id' \gset
select tests.authenticate_as_worker();
select string_agg(status, ',') as statuses from public.complete_tasks(:'results') \gset
select tests.clear_authentication();

select is(:'statuses'::text, 'failed,completed', 'the output without a split array fails, the other completes');
select results_eq(
    format($$ select input_data ->> 'topic', status, error_code, output_data, claim_token is null
              from public.ai_tasks where batch_id = %L and stage_key = 'outline' order by 1 $$, :'batch_id'),
    $$ values ('cats', 'failed', 'OR009', '{"topics": ["a"]}'::jsonb, true),
              ('dogs', 'completed', null, '{"questions": [{"text": "q"}]}'::jsonb, true) $$,
    'the failed task keeps its output with error code OR009'
);
select is(
    (select row(failed_tasks, completed_tasks)::text from public.task_batches where id = :'batch_id'),
    (select row(failed_tasks, completed_tasks)::text from tests.recount(:'batch_id')),
    'the batch counts the failed input'
);

select * from finish();
rollback;
