begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '40 days') as completed_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'failed', '40 days') as failed_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'cancelled', '40 days') as cancelled_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '10 days') as recent_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'pending', '40 days') as pending_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'processing', '40 days') as processing_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'paused', '40 days') as paused_id \gset
-- A batch that finished long ago but was retried and finished again lately keeps its new events.
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '40 days') as retried_id \gset
update public.task_events set created_at = now() where batch_id = :'retried_id' and to_status = 'completed';

create temporary table before as
select batch_id, count(*) as events from public.task_events group by batch_id;

select (select sum(events)::bigint from before where batch_id in (:'completed_id', :'failed_id', :'cancelled_id'))
    + (select count(*) from public.task_events where batch_id = :'retried_id' and to_status <> 'completed') as expected
\gset
select tests.authenticate_as_service_role();
select is(public.cleanup_old_events(30), :'expected'::bigint, 'it returns how many events it deleted');
select tests.clear_authentication();

select is(
    (select count(*)::integer from public.task_events where batch_id in (:'completed_id', :'failed_id', :'cancelled_id')),
    0,
    'the events of batches completed, failed or cancelled 40 days ago are gone'
);
select set_eq(
    format($$select to_status from public.task_events where batch_id = %L$$, :'retried_id'),
    array['completed', 'completed'],
    'of a batch that finished long ago, the events of the last 30 days stay'
);
select set_eq(
    'select batch_id, count(*) from public.task_events group by batch_id having batch_id not in ('
        || quote_literal(:'completed_id') || ', ' || quote_literal(:'failed_id') || ', '
        || quote_literal(:'cancelled_id') || ', ' || quote_literal(:'retried_id') || ')',
    format('select batch_id, events from before where batch_id in (%L, %L, %L, %L)',
        :'recent_id', :'pending_id', :'processing_id', :'paused_id'),
    'the events of a batch finished 10 days ago, and of pending, processing and paused batches, all stay'
);
select is(
    (select count(*)::integer from public.task_batches where id in (:'completed_id', :'failed_id', :'cancelled_id')),
    3,
    'the batches themselves stay'
);

select tests.authenticate_as_service_role();
select is(public.cleanup_old_events(30), 0::bigint, 'a second call finds nothing more');
select tests.clear_authentication();

select * from finish();
rollback;
