begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
-- 200 placeholders (the most a template may have) over a 10 KB value: a 2 MB prompt.
select (public.upsert_orchestrator(jsonb_build_object('owner_id', :'owner_id', 'name', 'wide', 'entry', 's',
    'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', repeat('0123456789{{a}}', 200))))
)).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    jsonb_build_array(jsonb_build_object('a', repeat('x', 10000)), jsonb_build_object('a', 'short'))) \gset
select id as long_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'a' <> 'short' \gset
select id as short_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'a' = 'short' \gset

select tests.authenticate_as_worker();
create temporary table claimed on commit drop as select * from public.claim_tasks('w1', 10);
select tests.clear_authentication();

select results_eq('select task_id from claimed', format('values (%L::uuid)', :'short_id'),
    'the claim goes on: only the task whose prompt fits is returned');
select is((select length(prompt) from claimed), 200 * 15, 'with its whole prompt');
select is(
    (select row(status, error_code, claim_token)::text from public.ai_tasks where id = :'long_id'),
    row('failed', 'OR020', null::uuid)::text,
    'the task whose prompt would pass 1,000,000 bytes fails with OR020, holding no lease');
select matches((select error_message from public.ai_tasks where id = :'long_id'), '1000000 bytes',
    'its message says the limit');

-- With the limit raised, the same prompt is rendered whole.
update orchable.limits set value = 3000000 where name = 'prompt_bytes';
update public.ai_tasks set status = 'plan', error_code = null, error_message = null where id = :'long_id';
select tests.authenticate_as_worker();
select is((select length(prompt) from public.claim_tasks('w1', 10)), 200 * 10010,
    'an operator can raise prompt_bytes: the 2 MB prompt is then rendered in full');
select tests.clear_authentication();

select * from finish();
rollback;
