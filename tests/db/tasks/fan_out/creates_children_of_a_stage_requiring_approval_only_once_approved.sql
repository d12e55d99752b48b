begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'approved', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', '[{"key": "draft", "template": "Draft {{topic}}", "next": ["review"], "requires_approval": true},
                {"key": "review", "template": "Review {{text}}"}]'::jsonb
)) \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'draft') as draft_id \gset

select is(tests.complete(:'draft_id', '{"text": "Cats purr."}'), 'generated', 'the output waits for approval');
select is_empty(
    format('select 1 from public.ai_tasks where parent_task_id = %L', :'draft_id'),
    'no child before approval'
);

select tests.authenticate_as(:'owner_id');
select is(public.approve_task(:'draft_id', '{"text": "Cats purr softly."}'), 'completed', 'the owner approves an edited output');
select tests.clear_authentication();

select results_eq(
    format('select stage_key, input_data from public.ai_tasks where parent_task_id = %L', :'draft_id'),
    $$ values ('review', '{"text": "Cats purr softly."}'::jsonb) $$,
    'approval creates the child, from the approved output'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 2,
    'exactly one child'
);

select * from finish();
rollback;
