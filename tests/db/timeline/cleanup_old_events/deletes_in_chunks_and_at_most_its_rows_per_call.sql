begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '40 days') from generate_series(1, 3);
select count(*) as old_events from public.task_events \gset

update orchable.limits set value = 4 where name = 'retention_chunk_rows';
update orchable.limits set value = 10 where name = 'retention_rows_per_call';
select tests.count_deletes('public.task_events');

select tests.authenticate_as_service_role();
select is(public.cleanup_old_events(30), 10::bigint, 'one call deletes at most retention_rows_per_call events');
select tests.clear_authentication();
select is(
    (select array_agg(rows_deleted order by id) from tests.deleted_per_statement where rows_deleted > 0),
    array[4, 4, 2]::bigint [],
    'in statements of at most retention_chunk_rows each'
);

delete from tests.deleted_per_statement;
select tests.authenticate_as_service_role();
select is(public.cleanup_old_events(30), :'old_events'::bigint - 10, 'the next call deletes the rest');
select is(public.cleanup_old_events(30), 0::bigint, 'and then there is nothing left');
select tests.clear_authentication();
select ok(
    (select bool_and(rows_deleted <= 4) from tests.deleted_per_statement),
    'still in chunks'
);

select * from finish();
rollback;
