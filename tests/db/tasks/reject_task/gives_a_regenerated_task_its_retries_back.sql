begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select (public.upsert_orchestrator(jsonb_build_object(
    'name', 'reviewed', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', jsonb_build_array(
        jsonb_build_object('key', 'draft', 'template', 'Draft {{topic}}', 'requires_approval', true,
            'max_retries', 1))
))).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'draft') as task_id \gset

-- the first draft spends the stage's one retry before it is generated
select public.fail_task(:'task_id', tests.claim(:'task_id'), 'rate limited') as first_failure \gset
update public.ai_tasks set run_after = now() where id = :'task_id';
select tests.complete(:'task_id', '{"text": "a draft"}') as generated \gset

select tests.authenticate_as(:'owner_id');
select public.reject_task(:'task_id', 'too short') as rejected \gset
select tests.clear_authentication();

select is(
    (select row(status, retry_count)::text from public.ai_tasks where id = :'task_id'),
    row('plan', 0)::text,
    'the regenerated task is back in plan with no retry spent'
);

select public.fail_task(:'task_id', tests.claim(:'task_id'), 'rate limited again') as second_failure \gset
select is(:'second_failure'::text, 'plan', 'a transient failure of the regenerated draft is retried');
select is(
    (select retry_count from public.ai_tasks where id = :'task_id'), 1,
    'and that retry is counted against the regeneration'
);

select * from finish();
rollback;
