begin;
select plan(3);

-- outline -> question (1:N) -> grade (1:1) -> quiz (N:1): a branch is two tasks long.
select tests.create_user('owner@example.test') as owner_id \gset
select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'graded', 'owner_id', :'owner_id', 'entry', 'outline',
    'stages', '[{"key": "outline", "template": "Outline {{topic}}", "next": ["question"]},
                {"key": "question", "template": "Answer {{item}}", "cardinality": "1:N", "split_path": "questions", "next": ["grade"]},
                {"key": "grade", "template": "Grade {{answer}}", "next": ["quiz"]},
                {"key": "quiz", "template": "Quiz {{answers}}", "cardinality": "N:1", "merge_path": "answers"}]'::jsonb
)) \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'outline') as outline_id \gset

select tests.complete(:'outline_id', '{"questions": ["a", "b"]}');
select tests.complete(id, jsonb_build_object('answer', input_data -> 'item'))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'question';
select tests.complete(id, jsonb_build_object('grade', 'A', 'answer', input_data -> 'answer'))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'grade' and branch_index = 1;

select is_empty(
    format('select 1 from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'quiz'),
    'completed questions do not count as arrivals; one grade is still open'
);
select tests.complete(id, jsonb_build_object('grade', 'B', 'answer', input_data -> 'answer'))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'grade' and branch_index = 0;

select results_eq(
    format('select parent_task_id, input_data from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'quiz'),
    format($$values (%L::uuid, '{"answers": [{"grade": "B", "answer": "a"}, {"grade": "A", "answer": "b"}]}'::jsonb)$$, :'outline_id'),
    'the merge collects the grades in split order, under the split task'
);
select is(
    (select array_agg(branch_index order by branch_index) from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'grade'),
    array[0, 1],
    'a 1:1 stage inside a branch keeps the branch''s position'
);

select * from finish();
rollback;
