begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "a"}, {"question": "b"}, {"question": "c"}, {"question": "d"}]') \gset

-- Elements in descending id order, so input order is not the order the tasks are locked
-- in; one task unknown, one already completed, the same task twice.
select jsonb_agg(e order by k) as results
from (
    select t.id::text as k, jsonb_build_object('task_id', t.id, 'claim_token', tests.claim(t.id),
        'output', jsonb_build_object('id', t.id)) as e
    from public.ai_tasks as t where t.batch_id = :'batch_id'
) as x \gset
select jsonb_agg(e order by (e ->> 'task_id') desc) || jsonb_build_array(
    jsonb_build_object('task_id', gen_random_uuid(), 'claim_token', gen_random_uuid(), 'output', 1),
    results -> 0
) as results
from jsonb_array_elements(:'results'::jsonb) as e, (select :'results'::jsonb as results) as r
group by r.results \gset

select tests.authenticate_as_worker();
select string_agg(task_id || '=' || status, ',') as answer from public.complete_tasks(:'results') \gset
select tests.clear_authentication();

select is(
    :'answer'::text,
    (select string_agg((e ->> 'task_id') || '=' || s, ',' order by n)
     from jsonb_array_elements(:'results'::jsonb) with ordinality as a (e, n)
     cross join lateral (select case when n = 5 then 'not_found' when n = 6 then 'stale' else 'completed' end as s) as z),
    'one row per element in input order: four completed, then not_found, then stale for a repeat'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and output_data ->> 'id' = id::text), 4,
    'each task got its own output'
);

select * from finish();
rollback;
