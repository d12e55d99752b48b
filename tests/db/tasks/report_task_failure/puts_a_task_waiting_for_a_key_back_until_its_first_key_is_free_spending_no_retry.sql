begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why"}]') \gset
select id as key_a from public.add_api_key('gemini', 'AIzaSy-first-key-00000001', p_owner_id => :'owner_id') \gset
select id as key_b from public.add_api_key('gemini', 'AIzaSy-second-key-0000001', p_owner_id => :'owner_id') \gset
update public.api_key_health set blocked_until = now() + interval '10 minutes', block_reason = 'rate_limited'
where user_api_key_id = :'key_a';
update public.api_key_health set blocked_until = now() + interval '2 minutes', block_reason = 'rate_limited'
where user_api_key_id = :'key_b';
select tests.authenticate_as_worker();
select task_id, claim_token from public.claim_tasks('w1', 1) \gset
select public.report_task_failure(:'task_id', :'claim_token', 'no_usable_key', 'every gemini key is blocked', 'gemini') as result \gset
select tests.clear_authentication();

select is(:'result'::text, 'plan', 'report_task_failure returns plan');
select is(
    (select row(status, retry_count, error_code, claim_token)::text from public.ai_tasks where id = :'task_id'),
    row('plan', 0, 'OR030', null::uuid)::text,
    'the task is back in plan with no retry spent and the code of a wait for a key'
);
select is((select run_after from public.ai_tasks where id = :'task_id'), now() + interval '2 minutes',
    'it comes back when the first of its owner''s keys is usable again');

update public.api_key_health set blocked_until = now() + interval '3 hours' where user_api_key_id = :'key_b';
update public.ai_tasks set run_after = now() where id = :'task_id';
select tests.authenticate_as_worker();
select task_id as again, claim_token as again_token from public.claim_tasks('w1', 1) \gset
select public.report_task_failure(:'again', :'again_token', 'no_usable_key', null, 'gemini');
select tests.clear_authentication();
select is((select run_after from public.ai_tasks where id = :'task_id'),
    now() + make_interval(secs => (select value from orchable.limits where name = 'key_wait_seconds')),
    'a longer block is waited out in steps of key_wait_seconds');

select * from finish();
rollback;
