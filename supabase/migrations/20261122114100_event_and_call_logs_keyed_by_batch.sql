-- sql/0150_table_task_events.sql, sql/0410_table_llm_calls.sql: the logs' keys lead with
-- the batch, and the batch indexes they replace go.
alter table public.task_events
drop constraint task_events_pkey,
add constraint task_events_pkey primary key (batch_id, id);
drop index public.task_events_batch_id_id_idx;

alter table public.llm_calls
drop constraint llm_calls_pkey,
add constraint llm_calls_pkey primary key (batch_id, id);
drop index public.llm_calls_batch_id_owner_id_created_at_idx;
