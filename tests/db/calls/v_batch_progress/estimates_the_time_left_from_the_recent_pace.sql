begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "a"}, {"question": "b"}, {"question": "c"}, {"question": "d"}, {"question": "e"}]') \gset

select is(
    (select row(tasks_per_minute, eta)::text from public.v_batch_progress where batch_id = :'batch_id'),
    row(0.00::numeric, null::interval)::text,
    'before anything completes the pace is 0 and there is no eta'
);

-- Two tasks complete now: 2 in the last 5 minutes is 0.4 a minute; 3 open tasks take 7.5 minutes.
select tests.complete(t.id, '{"answer": "x"}')
from (select id from public.ai_tasks where batch_id = :'batch_id' order by id limit 2) as t;
select is(
    (select row(tasks_per_minute, eta)::text from public.v_batch_progress where batch_id = :'batch_id'),
    row(0.40::numeric, interval '7 minutes 30 seconds')::text,
    'the pace counts the tasks completed in the last 5 minutes; eta is the open tasks at that pace'
);

-- Completions older than 5 minutes no longer count.
update public.task_events set created_at = now() - interval '6 minutes'
where batch_id = :'batch_id' and to_status = 'completed';
select is(
    (select tasks_per_minute from public.v_batch_progress where batch_id = :'batch_id'),
    0::numeric,
    'completions older than 5 minutes are not part of the pace'
);

select * from finish();
rollback;
