-- Retention reads the batches that finished before a moment (cleanup_old_events,
-- cleanup_old_llm_calls, purge_finished_batches), oldest first: from this index rather
-- than the whole table. Only finished batches are in it, and a batch enters it once.
create index task_batches_finished_at_idx on public.task_batches (finished_at)
where status in ('completed', 'failed', 'cancelled');
