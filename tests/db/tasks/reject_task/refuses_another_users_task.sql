begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select (public.upsert_orchestrator(jsonb_build_object(
    'name', 'reviewed', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', jsonb_build_array(
        jsonb_build_object('key', 'draft', 'template', 'Draft {{topic}}', 'requires_approval', true,
            'max_retries', 0, 'next', jsonb_build_array('publish')),
        jsonb_build_object('key', 'publish', 'template', 'Publish {{text}}'))
))).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'draft') as task_id \gset
select tests.complete(:'task_id', '{"text": "a draft"}') as generated \gset
select tests.create_user('other@example.test') as other_id \gset

select tests.authenticate_as(:'other_id');
select throws_ok(format('select public.reject_task(%L, %L)', :'task_id', 'bad'), 'OR004', null,
    'another user''s task is refused as if it did not exist');
select tests.clear_authentication();

select is((select status from public.ai_tasks where id = :'task_id'), 'generated', 'the task still awaits approval');

select * from finish();
rollback;
