-- What-if for bench/backend_instructions.sh: no task tree or batch counter updates when
-- a task changes status. Measures what the counters cost; never deployed.
alter table public.ai_tasks disable trigger ai_tasks_90_count_updated;
