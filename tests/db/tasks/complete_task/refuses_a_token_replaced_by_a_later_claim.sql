begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset

select tests.authenticate_as_worker();
select task_id, claim_token as old_token from public.claim_tasks('w1', 1) \gset
select tests.clear_authentication();
update public.ai_tasks set locked_until = now() - interval '1 second' where id = :'task_id';
select tests.authenticate_as_worker();
select claim_token as new_token from public.claim_tasks('w2', 1) \gset
select tests.clear_authentication();
select count(*) as events_before from public.task_events where batch_id = :'batch_id' \gset

select tests.authenticate_as_service_role();
select throws_ok(
    format('select public.complete_task(%L, %L, %L)', :'task_id', :'old_token', '{"answer": "late"}'),
    'OR006', null, 'the first worker''s result after its lease was taken over is refused as stale'
);
select tests.clear_authentication();

select is(
    (select row(status, output_data, claim_token, locked_by)::text from public.ai_tasks where id = :'task_id'),
    row('processing', null::jsonb, :'new_token'::uuid, 'w2')::text,
    'the task stays with the second worker, without output'
);
select is((select count(*) from public.task_events where batch_id = :'batch_id'), :'events_before'::bigint, 'no event is logged');

select is(public.complete_task(:'task_id', :'new_token', '{"answer": "on time"}'), 'completed',
    'the second worker''s result is taken');
select is((select output_data from public.ai_tasks where id = :'task_id'), '{"answer": "on time"}'::jsonb,
    'the stored output is the second worker''s');

select * from finish();
rollback;
