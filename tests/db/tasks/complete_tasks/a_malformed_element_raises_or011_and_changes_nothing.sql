begin;
select plan(9);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
select tests.task_id(:'batch_id', 'answer') as task_id \gset
select tests.claim(:'task_id') as claim_token \gset
select id as other_id from public.ai_tasks where batch_id = :'batch_id' and id <> :'task_id' \gset
select tests.claim(:'other_id') as other_token \gset

-- A good element first, then a bad one: the call is refused as a whole.
create temporary table bad_elements (label text, element jsonb);
insert into bad_elements values
    ('an element that is not an object', '1'::jsonb),
    ('no task_id', jsonb_build_object('claim_token', :'other_token', 'output', 1)),
    ('a task_id that is not a uuid', jsonb_build_object('task_id', 'task-1', 'claim_token', :'other_token', 'output', 1)),
    ('no claim_token', jsonb_build_object('task_id', :'other_id', 'output', 1)),
    ('no output', jsonb_build_object('task_id', :'other_id', 'claim_token', :'other_token')),
    ('a JSON null output', jsonb_build_object('task_id', :'other_id', 'claim_token', :'other_token', 'output', 'null'::jsonb)),
    ('a provenance that is not an object',
        jsonb_build_object('task_id', :'other_id', 'claim_token', :'other_token', 'output', 1, 'provenance', '[1]'::jsonb)),
    ('a provenance naming an api_key', jsonb_build_object('task_id', :'other_id', 'claim_token', :'other_token',
        'output', 1, 'provenance', '{"provider": "gemini", "auth": {"api_key": "sk-secret"}}'::jsonb));
grant select on bad_elements to orchable_worker;

select tests.authenticate_as_worker();
select throws_ok(
    format('select * from public.complete_tasks(%L)', jsonb_build_array(
        jsonb_build_object('task_id', :'task_id', 'claim_token', :'claim_token', 'output', 1), b.element)),
    'OR011', format('element 1 of p_results %s: nothing was changed', case b.label
        when 'an element that is not an object' then 'is not an object'
        when 'no task_id' then 'has no task_id (a uuid)'
        when 'a task_id that is not a uuid' then 'has no task_id (a uuid)'
        when 'no claim_token' then 'has no claim_token (a uuid)'
        when 'a provenance that is not an object' then 'has a provenance that is not an object'
        when 'a provenance naming an api_key' then 'has a provenance naming an api_key'
        else 'has no output' end),
    format('an element with %s raises OR011 naming its index', b.label))
from bad_elements as b;
select tests.clear_authentication();

select is(
    (select count(*)::integer from public.ai_tasks
     where batch_id = :'batch_id' and status = 'processing' and output_data is null
         and claim_token in (:'claim_token', :'other_token')),
    2,
    'both tasks are left as they were'
);

select * from finish();
rollback;
