begin;
select plan(5);

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

select tests.authenticate_as(:'owner_id');
select public.approve_task(:'task_id') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'completed', 'approve_task returns completed');
select is((select status from public.ai_tasks where id = :'task_id'), 'completed', 'the task is completed');
select isnt((select approved_at from public.ai_tasks where id = :'task_id'), null, 'its approval time is stored');
select is((select output_data from public.ai_tasks where id = :'task_id'), '{"text": "a draft"}'::jsonb,
    'without an edit the generated output is kept');
select is(
    (select input_data from public.ai_tasks where parent_task_id = :'task_id' and stage_key = 'publish'),
    '{"text": "a draft"}'::jsonb, 'the next stage''s child is created from that output'
);

select * from finish();
rollback;
