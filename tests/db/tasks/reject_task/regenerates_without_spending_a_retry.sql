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
select public.reject_task(:'task_id', 'too short') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'plan', 'reject_task returns plan');
select is(
    (select row(status, retry_count, output_data)::text from public.ai_tasks where id = :'task_id'),
    row('plan', 0, null::jsonb)::text,
    'the task goes back to plan without its output, and without spending a retry (its stage allows none)'
);
select matches((select error_message from public.ai_tasks where id = :'task_id'), 'too short', 'the reason is kept');
select is((select count(*)::integer from public.ai_tasks where parent_task_id = :'task_id'), 0, 'no child is created');

select tests.authenticate_as_worker();
select count(*) as claimed_count from public.claim_tasks('w1', 10) \gset
select tests.clear_authentication();
select is(:'claimed_count'::integer, 1, 'the task can be claimed again at once');

select * from finish();
rollback;
