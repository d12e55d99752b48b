-- sql/0150_table_task_events.sql: the log's key leads with the batch, and the batch index
-- it replaces goes.
alter table public.task_events
drop constraint task_events_pkey,
add constraint task_events_pkey primary key (batch_id, id);
drop index public.task_events_batch_id_id_idx;
