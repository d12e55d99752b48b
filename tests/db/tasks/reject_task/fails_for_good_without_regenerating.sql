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
select tests.complete(:'task_id', '{"text": "a draft"}') as generated \gset

select tests.authenticate_as(:'owner_id');
select public.reject_task(:'task_id', 'off topic', false) as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'failed', 'reject_task returns failed');
select is((select status from public.ai_tasks where id = :'task_id'), 'failed', 'the task fails for good');
select is(
    (select row(status, failed_tasks)::text from public.task_batches where id = :'batch_id'),
    row('failed', 1)::text, 'the batch of its one input fails'
);

select * from finish();
rollback;
