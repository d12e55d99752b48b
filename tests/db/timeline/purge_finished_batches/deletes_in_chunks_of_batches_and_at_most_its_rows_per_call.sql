begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '100 days') from generate_series(1, 7);

update orchable.limits set value = 3 where name = 'retention_chunk_batches';
update orchable.limits set value = 5 where name = 'retention_rows_per_call';
select tests.count_deletes('public.task_batches');

select tests.authenticate_as_service_role();
select is(public.purge_finished_batches('90 days'), 5::bigint, 'one call deletes at most retention_rows_per_call batches');
select tests.clear_authentication();
select is(
    (select array_agg(rows_deleted order by id) from tests.deleted_per_statement where rows_deleted > 0),
    array[3, 2]::bigint [],
    'in statements of at most retention_chunk_batches each'
);
select tests.authenticate_as_service_role();
select is(public.purge_finished_batches('90 days'), 2::bigint, 'the next call deletes the rest');
select is(public.purge_finished_batches('90 days'), 0::bigint, 'and then there is nothing left');
select tests.clear_authentication();

select * from finish();
rollback;
