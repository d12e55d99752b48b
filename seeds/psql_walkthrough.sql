-- `make psql-walkthrough`: drives the course builder to the end with psql calls alone:
-- upsert_orchestrator, launch_batch, then claim_tasks / complete_task as a worker would,
-- and approve_task as a person would. The "model" here is a few lines of SQL that make
-- up an output of the right shape; the Python worker and real providers come next.
\set ON_ERROR_STOP 1
\pset footer off
\echo '== orchable demo: a course builder driven with psql alone'

insert into auth.users (id, email) values ('00000000-0000-0000-0000-00000000d3e0', 'demo@orchable.local')
on conflict (id) do nothing;

\set definition `cat seeds/pipelines/course_builder.json`
select id as orchestrator_id
from public.upsert_orchestrator(:'definition'::jsonb || '{"owner_id": "00000000-0000-0000-0000-00000000d3e0"}')
\gset
select stage_key, version, stage_config ->> 'cardinality' as cardinality, requires_approval
from public.prompt_templates where orchestrator_id = :'orchestrator_id' and is_active order by created_at;

select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"topic": "photosynthesis"}, {"topic": "the French revolution"}, {"topic": "binary search"}]',
    'demo ' || now()::text)
\gset
\echo '== launched 3 topics; a worker loop claims and completes until nothing is runnable'

do $$
declare
    v_task record;
    v_claimed integer;
    v_round integer := 0;
begin
    loop
        v_claimed := 0;
        v_round := v_round + 1;
        for v_task in select * from public.claim_tasks('psql-demo', 50, 60) loop
            v_claimed := v_claimed + 1;
            perform public.complete_task(v_task.task_id, v_task.claim_token,
                case v_task.stage_key
                    when 'outline' then jsonb_build_object(
                        'title', 'Quiz: ' || (v_task.input_data ->> 'topic'),
                        'questions', (select jsonb_agg(jsonb_build_object('text', format('Question %s about %s', n, v_task.input_data ->> 'topic')))
                                      from generate_series(1, 3) as n))
                    when 'question' then jsonb_build_object(
                        'question', v_task.input_data -> 'item' ->> 'text',
                        'answer', 'answer ' || (v_task.input_data ->> 'item_index'),
                        'distractors', '["a", "b", "c"]'::jsonb)
                    else jsonb_build_object(
                        'title', v_task.input_data ->> 'title',
                        'question_count', jsonb_array_length(v_task.input_data -> 'questions'))
                end,
                jsonb_build_object('input_tokens', length(v_task.prompt) / 4, 'output_tokens', 20));
        end loop;
        raise notice 'round %: % tasks completed', v_round, v_claimed;
        exit when v_claimed = 0 or v_round > 20;
    end loop;
end
$$;

\echo '== the quizzes wait for approval; approving them finishes the batch'
select t.id as task_id, t.input_data ->> 'topic' as topic, t.output_data
from public.ai_tasks as t where t.batch_id = :'batch_id' and t.status = 'generated' order by topic;
select count(*) as approved from public.ai_tasks as t, lateral public.approve_task(t.id) as a
where t.batch_id = :'batch_id' and t.status = 'generated';

\echo '== per stage'
select stage_key, task_count, completed_count, failed_count
from public.v_stage_progress where batch_id = :'batch_id' order by stage_key;
\echo '== the batch'
select name, status, total_tasks, completed_tasks, failed_tasks, finished_at - started_at as took
from public.task_batches where id = :'batch_id';
