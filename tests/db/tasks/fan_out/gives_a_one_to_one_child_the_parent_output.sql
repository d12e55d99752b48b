begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'draft and review', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', '[{"key": "draft", "template": "Draft {{topic}}", "next": ["review"]},
                {"key": "review", "template": "Review {{text}}"}]'::jsonb
)) \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'draft') as draft_id \gset

select is(tests.complete(:'draft_id', '{"text": "Cats purr.", "words": 2}'), 'completed', 'the parent completes');
select is(
    (select count(*)::integer from public.ai_tasks where parent_task_id = :'draft_id'), 1,
    'one child is created'
);
select is(
    (select input_data from public.ai_tasks where parent_task_id = :'draft_id'),
    '{"text": "Cats purr.", "words": 2}'::jsonb,
    'the child''s input is the parent''s output'
);
select results_eq(
    format('select stage_key, status, prompt_template_id, split_task_id, branch_index from public.ai_tasks where parent_task_id = %L', :'draft_id'),
    format('values (%L, %L, %L, null::uuid, null::integer)', 'review', 'plan', :'orchestrator_id' || '_review_1'),
    'the child is a plan task of the next stage''s active template, outside any split'
);
select is(
    (select output_data from public.ai_tasks where id = :'draft_id'), '{"text": "Cats purr.", "words": 2}'::jsonb,
    'the parent keeps its output'
);

select * from finish();
rollback;
