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
select tests.claim(:'draft_id') as token \gset

select is(public.complete_task(:'draft_id', :'token', '{"text": "first"}'), 'completed', 'the first completion is taken');
select throws_ok(
    format('select public.complete_task(%L, %L, %L)', :'draft_id', :'token', '{"text": "second"}'),
    'OR006', null,
    'completing it again with the same token raises OR006'
);
select throws_ok(
    format('select public.complete_task(%L, gen_random_uuid(), %L)', :'draft_id', '{"text": "third"}'),
    'OR006', null,
    'completing it with another token raises OR006'
);
select results_eq(
    format('select input_data from public.ai_tasks where parent_task_id = %L', :'draft_id'),
    $$ values ('{"text": "first"}'::jsonb) $$,
    'exactly one child, from the first output'
);
select is(
    (select output_data from public.ai_tasks where id = :'draft_id'), '{"text": "first"}'::jsonb,
    'the task keeps its first output'
);

select * from finish();
rollback;
