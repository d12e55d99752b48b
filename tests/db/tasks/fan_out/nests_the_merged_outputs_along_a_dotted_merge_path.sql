begin;
select plan(1);

select tests.create_user('owner@example.test') as owner_id \gset
select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'dotted', 'owner_id', :'owner_id', 'entry', 'outline',
    'stages', '[{"key": "outline", "template": "Outline {{topic}}", "next": ["question"]},
                {"key": "question", "template": "Answer {{item}}", "cardinality": "1:N", "split_path": "plan.questions", "next": ["quiz"]},
                {"key": "quiz", "template": "Quiz {{quiz.answers}}", "cardinality": "N:1", "merge_path": "quiz.answers",
                 "input_mapping": {"title": "output.plan.title"}}]'::jsonb
)) \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset

select tests.complete(tests.task_id(:'batch_id', 'outline'), '{"plan": {"title": "Cats", "questions": ["a", "b"]}}');
select tests.complete(id, jsonb_build_object('answer', input_data -> 'item'))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'question';

select is(
    (select input_data from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz'),
    '{"quiz": {"answers": [{"answer": "a"}, {"answer": "b"}]}, "title": "Cats"}'::jsonb,
    'a dotted split_path is followed and a dotted merge_path nests the list; input_mapping reads the split task''s output'
);

select * from finish();
rollback;
