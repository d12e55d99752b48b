begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select (public.upsert_orchestrator(jsonb_build_object(
    'name', 'reviewed', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', jsonb_build_array(
        jsonb_build_object('key', 'draft', 'template', 'Draft {{topic}}', 'requires_approval', true,
            'next', jsonb_build_array('publish')),
        jsonb_build_object('key', 'publish', 'template', 'Publish {{text}}'))
))).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.complete_task(:'task_id', :'claim_token', '{"text": "a draft"}') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'generated', 'complete_task returns generated');
select is(
    (select row(status, output_data, completed_at)::text from public.ai_tasks where id = :'task_id'),
    row('generated', '{"text": "a draft"}'::jsonb, null::timestamptz)::text,
    'the task waits in generated with its output'
);
select is((select count(*)::integer from public.ai_tasks where parent_task_id = :'task_id'), 0, 'no child is created');
select is((select completed_tasks from public.task_batches where id = :'batch_id'), 0, 'the input is not counted as completed');

select * from finish();
rollback;
