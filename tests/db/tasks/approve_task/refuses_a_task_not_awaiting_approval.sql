begin;
select plan(3);

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

select tests.authenticate_as(:'owner_id');
select throws_ok(format('select public.approve_task(%L)', :'task_id'), 'OR007', null, 'a task in plan cannot be approved');
select tests.clear_authentication();
select tests.complete(:'task_id', '{"text": "a draft"}') as generated \gset
select tests.authenticate_as(:'owner_id');
select public.approve_task(:'task_id') as approved \gset
select throws_ok(format('select public.approve_task(%L)', :'task_id'), 'OR007', null, 'a completed task cannot be approved again');
select tests.clear_authentication();

select is((select count(*)::integer from public.ai_tasks where parent_task_id = :'task_id'), 1,
    'the second approval created no second child');

select * from finish();
rollback;
