begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select (public.upsert_orchestrator(jsonb_build_object(
    'name', 'approved', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', jsonb_build_array(
        jsonb_build_object('key', 'draft', 'template', 'Draft {{topic}}', 'requires_approval', true, 'next', jsonb_build_array('final')),
        jsonb_build_object('key', 'final', 'template', 'Finish {{text}}'))
))).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "owls"}]') \gset
select tests.task_id(:'batch_id', 'draft') as task_id \gset
select tests.complete(:'task_id', '{"text": "a draft"}');

-- The edited output becomes the next stage's input, which a worker reads.
select tests.authenticate_as(:'owner_id');
select throws_ok(
    format($$ select public.approve_task(%L, ('{"text": ' || repeat('9', 5000) || '}')::jsonb) $$, :'task_id'),
    'OR021', 'p_output holds a number of more than 1000 digits',
    'an edited output holding an integer of 5,000 digits is refused with OR021');
select tests.clear_authentication();

select is((select status from public.ai_tasks where id = :'task_id'), 'generated', 'the task still awaits approval');

select * from finish();
rollback;
