begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '100 days') as completed_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'failed', '100 days') as failed_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'cancelled', '100 days') as cancelled_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '60 days') as recent_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'pending', '100 days') as pending_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'processing', '100 days') as processing_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'paused', '100 days') as paused_id \gset
-- Two more old calls of the completed batch, a recent one of the failed batch.
insert into public.llm_calls (owner_id, batch_id, task_id, provider, model, attempt, outcome, created_at)
select owner_id, batch_id, task_id, provider, model, attempt, outcome, created_at
from public.llm_calls, generate_series(1, 2) where batch_id = :'completed_id';
select public.record_llm_call(tests.task_id(:'failed_id', 'answer'), 'testprov', 'm', 'success', p_input_tokens => 1);
select spent_usd as spent_before from public.task_batches where id = :'completed_id' \gset

update orchable.limits set value = 2 where name = 'retention_chunk_rows';
select tests.count_deletes('public.llm_calls');

select tests.authenticate_as_service_role();
select is(public.cleanup_old_llm_calls(90), 5::bigint, 'it deletes the five old calls of the finished batches');
select tests.clear_authentication();
select is(
    (select array_agg(rows_deleted order by id) from tests.deleted_per_statement where rows_deleted > 0),
    array[2, 2, 1]::bigint [],
    'in statements of at most retention_chunk_rows each'
);
select results_eq(
    'select batch_id, count(*)::integer from public.llm_calls group by batch_id order by batch_id',
    format('select id, 1 from unnest(array[%L, %L, %L, %L, %L]::uuid []) as id order by id',
        :'failed_id', :'recent_id', :'pending_id', :'processing_id', :'paused_id'),
    'what stays: a recent call of an old batch, and the calls of recent, pending, processing and paused batches'
);
select is(
    (select spent_usd from public.task_batches where id = :'completed_id'), :'spent_before'::numeric,
    'the batch keeps what it spent'
);
select tests.authenticate_as_service_role();
select is(public.cleanup_old_llm_calls(90), 0::bigint, 'a second call finds nothing more');
select is(public.cleanup_old_llm_calls(30), 1::bigint, 'a shorter retention reaches the recent batch''s call');
select tests.clear_authentication();

select * from finish();
rollback;
