begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "a"}, {"question": "b"}, {"question": "c"}]') \gset
select id as stale_id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'b' \gset

-- b's element carries a token that is not its current claim.
select jsonb_agg(jsonb_build_object(
    'task_id', id,
    'claim_token', case when id = :'stale_id' then gen_random_uuid() else claim_token end,
    'output', '{"answer": 1}'::jsonb) order by input_data ->> 'question') as results
from (select id, input_data, tests.claim(id) as claim_token from public.ai_tasks where batch_id = :'batch_id') as t \gset
select claim_token as stale_token from public.ai_tasks where id = :'stale_id' \gset

select tests.authenticate_as_worker();
select string_agg(status, ',') as statuses from public.complete_tasks(:'results') \gset
select tests.clear_authentication();

select is(:'statuses'::text, 'completed,stale,completed', 'the stale element is reported stale, the others completed');
select is(
    (select row(status, claim_token, output_data)::text from public.ai_tasks where id = :'stale_id'),
    row('processing', :'stale_token'::uuid, null::jsonb)::text,
    'the stale task is left as it was, still claimed'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and status = 'completed'), 2,
    'the two others are completed'
);
select is(
    (select row(status, completed_tasks)::text from public.task_batches where id = :'batch_id'),
    row('processing', 2)::text,
    'the batch counts two inputs completed'
);

select * from finish();
rollback;
