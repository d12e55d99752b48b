-- Delta from sql/0140_table_ai_tasks.sql and sql/0410_table_llm_calls.sql: the per-batch
-- indexes carry owner_id, so a user's batch progress under RLS reads them alone
-- (bench/scale.py: v_batch_progress p99 80-315 ms at 1M tasks before, about 14 ms after).
drop index public.ai_tasks_batch_id_stage_key_status_idx;
-- A batch's tasks by stage and status. owner_id is in the key (a batch has one owner, so
-- it costs nothing in order) so that a user's per-batch counts under RLS, which adds
-- owner_id = auth.uid(), are read from this index alone.
create index ai_tasks_batch_id_owner_id_stage_key_status_idx
on public.ai_tasks (batch_id, owner_id, stage_key, status);

drop index public.llm_calls_batch_id_created_at_idx;
-- A batch's calls in time order (v_batch_progress, cost reports); owner_id as in
-- ai_tasks_batch_id_owner_id_stage_key_status_idx, for reads under RLS.
create index llm_calls_batch_id_owner_id_created_at_idx on public.llm_calls (batch_id, owner_id, created_at);
