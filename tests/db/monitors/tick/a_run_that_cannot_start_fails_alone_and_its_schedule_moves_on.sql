begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_monitor(:'owner_id') as broken_id \gset
select tests.create_monitor(:'owner_id') as fine_id \gset
update public.monitors set next_run_at = now() - interval '1 minute' where id in (:'broken_id', :'fine_id');
-- The owner's monitor pipeline, broken by hand: its entry stage is gone, so no run launches.
select orchable._monitor_pipeline(:'owner_id') as pipeline_id \gset
update public.orchestrators set entry_stage_key = 'gone' where id = :'pipeline_id';

select is((select monitor_runs from public.tick()), 0, 'neither run starts');
select is(
    (select count(*)::integer from public.monitor_executions
     where status = 'failed' and error_message like 'the run could not start: %'),
    2, 'each failed run is recorded with why');
select is((select count(*)::integer from public.monitors where next_run_at > now()), 2,
    'and each monitor moves to its next time');

select * from finish();
rollback;
