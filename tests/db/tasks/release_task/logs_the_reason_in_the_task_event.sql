begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset

select public.release_task(:'task_id', :'claim_token', p_reason => 'worker shutting down');

select is((select error_message from public.ai_tasks where id = :'task_id'), 'released: worker shutting down',
    'the reason is stored prefixed with released:');
select is(
    (select detail ->> 'error' from public.task_events
     where task_id = :'task_id' and from_status = 'processing' and to_status = 'plan'),
    'released: worker shutting down',
    'the processing -> plan event carries the reason'
);

select * from finish();
rollback;
