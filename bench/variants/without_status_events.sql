-- What-if for bench/backend_instructions.sh: no task_events row for a task's status
-- changes (a claim, a completion). Measures what the event log costs; never deployed.
alter table public.ai_tasks disable trigger ai_tasks_30_log_events_updated;
