begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
-- Events and calls past their limits (30 and 90 days); finished batches are kept for good.
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '100 days') as old_id \gset
select count(*) + 1 as old_rows from public.task_events where batch_id = :'old_id' \gset

select tests.authenticate_as_worker();
select is((select rows_deleted from public.tick()), :'old_rows'::bigint, 'a tick deletes the old events and calls');
select tests.clear_authentication();
select is(
    (select row(events_deleted, llm_calls_deleted, batches_deleted)::text from orchable.retention_runs where name = 'tick'),
    row(:'old_rows'::bigint - 1, 1::bigint, 0::bigint)::text,
    'and records what it deleted'
);
select is((select count(*)::integer from public.task_batches where id = :'old_id'), 1,
    'finished batches stay while finished_batch_retention_days is not set');

select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '100 days') as second_id \gset
select tests.authenticate_as_worker();
select is((select rows_deleted from public.tick(now() + interval '59 minutes')), 0::bigint,
    'a tick within the hour does no retention');
select tests.clear_authentication();
select isnt((select count(*)::integer from public.task_events where batch_id = :'second_id'), 0, 'so old events wait');

insert into orchable.limits (name, value, description) values ('finished_batch_retention_days', 90, 'test');
select tests.authenticate_as_worker();
select cmp_ok((select rows_deleted from public.tick(now() + interval '61 minutes')), '>', 0::bigint,
    'an hour later the next tick runs it again');
select tests.clear_authentication();
select is((select count(*)::integer from public.task_batches where id in (:'old_id', :'second_id')), 0,
    'and with finished_batch_retention_days set, old finished batches go too');

select * from finish();
rollback;
