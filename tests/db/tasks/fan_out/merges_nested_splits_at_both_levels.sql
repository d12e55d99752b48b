begin;
select plan(8);

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
select tests.task_id(:'batch_id', 'chapter', 0) as chapter0_id \gset
select tests.task_id(:'batch_id', 'chapter', 1) as chapter1_id \gset
select tests.complete(:'chapter0_id', '{"sections": ["s00", "s01"]}');
select tests.complete(:'chapter1_id', '{"sections": ["s10"]}');

select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'section'), 3,
    'each chapter is split into its sections'
);

-- Sections complete in reverse order.
select tests.complete(id, jsonb_build_object('text', input_data ->> 'item'))
from (select id, input_data from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'section'
      and parent_task_id = :'chapter0_id' order by branch_index desc) as s;

select results_eq(
    format('select parent_task_id, input_data from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'chapter_summary'),
    format($$values (%L::uuid, '{"sections": [{"text": "s00"}, {"text": "s01"}]}'::jsonb)$$, :'chapter0_id'),
    'the inner merge of chapter 0 fires under its chapter with its sections in order; chapter 1''s waits'
);

select tests.complete(id, '{"text": "s10"}') from public.ai_tasks where parent_task_id = :'chapter1_id';

select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'chapter_summary'), 2,
    'one inner merge per chapter'
);
select results_eq(
    format('select split_task_id, branch_index from public.ai_tasks where batch_id = %L and stage_key = %L order by branch_index', :'batch_id', 'chapter_summary'),
    format('values (%1$L::uuid, 0), (%1$L::uuid, 1)', :'book_id'),
    'an inner merge is a branch of the outer split, at its chapter''s position'
);

select tests.complete(id, jsonb_build_object('summary', 'chapter ' || branch_index))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'chapter_summary' and branch_index = 1;
select is_empty(
    format('select 1 from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'book_summary'),
    'the outer merge waits for every chapter'
);
select tests.complete(id, jsonb_build_object('summary', 'chapter ' || branch_index))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'chapter_summary' and branch_index = 0;

select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'book_summary'), 1,
    'the outer merge fires once'
);
select results_eq(
    format('select parent_task_id, input_data, hierarchy_path from public.ai_tasks where batch_id = %L and stage_key = %L', :'batch_id', 'book_summary'),
    format($$values (%1$L::uuid, '{"chapters": [{"summary": "chapter 0"}, {"summary": "chapter 1"}]}'::jsonb, jsonb_build_array(%1$L::uuid))$$, :'book_id'),
    'the outer merge is under the book task with the chapter summaries in order'
);
select is(
    (select count(*)::integer from orchable.merge_groups as g join public.ai_tasks as t on t.id = g.split_task_id
     where t.batch_id = :'batch_id' and g.merged_at is not null and g.arrived_count = g.expected_count),
    3,
    'all three merge groups (two inner, one outer) merged'
);

select * from finish();
rollback;
