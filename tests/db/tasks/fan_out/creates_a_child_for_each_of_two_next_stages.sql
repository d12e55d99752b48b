begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'fork', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', '[{"key": "draft", "template": "Draft {{topic}}", "next": ["review", "translate"]},
                {"key": "review", "template": "Review {{text}}"},
                {"key": "translate", "template": "Translate {{text}}"}]'::jsonb
)) \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'draft') as draft_id \gset

select tests.complete(:'draft_id', '{"text": "Cats purr."}');

select results_eq(
    format('select stage_key, input_data, step_number from public.ai_tasks where parent_task_id = %L order by stage_key', :'draft_id'),
    $$ values ('review', '{"text": "Cats purr."}'::jsonb, 2), ('translate', '{"text": "Cats purr."}'::jsonb, 2) $$,
    'one child per next stage, both with the parent''s output'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 3,
    'nothing else is created'
);

select * from finish();
rollback;
