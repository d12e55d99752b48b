begin;
select plan(4);

-- book -> chapter (1:N over chapters) -> section (1:N over sections)
--      -> chapter_summary (N:1 of sections) -> book_summary (N:1 of chapters)
select tests.create_user('owner@example.test') as owner_id \gset
select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'nested', 'owner_id', :'owner_id', 'entry', 'book',
    'stages', '[{"key": "book", "template": "Plan {{topic}}", "next": ["chapter"]},
                {"key": "chapter", "template": "Chapter {{item}}", "cardinality": "1:N", "split_path": "chapters", "next": ["section"]},
                {"key": "section", "template": "Section {{item}}", "cardinality": "1:N", "split_path": "sections", "next": ["chapter_summary"]},
                {"key": "chapter_summary", "template": "Sum {{sections}}", "cardinality": "N:1", "merge_path": "sections", "next": ["book_summary"]},
                {"key": "book_summary", "template": "Sum {{chapters}}", "cardinality": "N:1", "merge_path": "chapters"}]'::jsonb
)) \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'book') as book_id \gset

select tests.complete(:'book_id', '{"chapters": ["c0", "c1"]}');
select tests.complete(tests.task_id(:'batch_id', 'chapter', 0), '{"sections": []}');
select tests.complete(tests.task_id(:'batch_id', 'chapter', 1), '{"sections": []}');

select results_eq(
    format('select split_task_id, branch_index, input_data, step_number from public.ai_tasks where batch_id = %L and stage_key = %L order by branch_index', :'batch_id', 'chapter_summary'),
    format($$values (%1$L::uuid, 0, '{"sections": []}'::jsonb, 3), (%1$L::uuid, 1, '{"sections": []}'::jsonb, 3)$$, :'book_id'),
    'each empty chapter merges at once, as a branch of the outer split'
);
select tests.complete(id, jsonb_build_object('summary', 'empty ' || branch_index))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'chapter_summary' and branch_index = 0;
select is_empty(
    format('select 1 from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'book_summary'),
    'the outer merge waits for the other chapter'
);
select tests.complete(id, jsonb_build_object('summary', 'empty ' || branch_index))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'chapter_summary' and branch_index = 1;
select results_eq(
    format('select parent_task_id, input_data from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'book_summary'),
    format($$values (%L::uuid, '{"chapters": [{"summary": "empty 0"}, {"summary": "empty 1"}]}'::jsonb)$$, :'book_id'),
    'the outer merge fires once, under the book task, in chapter order'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'section'), 0,
    'no section task was ever created'
);

select * from finish();
rollback;
