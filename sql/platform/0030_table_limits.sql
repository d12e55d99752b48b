-- What one owner may ask of a deployment: every user RPC and the claim read their limits
-- here, so that no tenant can make orchable slow or fail for the others. An operator
-- changes one with psql (`update orchable.limits set value = ... where name = ...`), and
-- sets the optional ones, tasks_in_flight_per_owner and finished_batch_retention_days (the
-- days tick() keeps a finished batch before purge_finished_batches deletes it; absent:
-- kept for good), by inserting them.
create table orchable.limits (
    name text primary key,
    value bigint not null,
    description text not null,
    constraint limits_value_positive check (value > 0)
);

comment on table orchable.limits is
'Per-owner limits a deployment can set: pipeline size, launch size, split size, template size, prompt length, JSON depth and number size, tasks in flight, and how long a task waiting for a key is put back for.';

insert into orchable.limits (name, value, description) values
('stages_per_pipeline', 200, 'stages in one pipeline definition (upsert_orchestrator, OR001)'),
('inputs_per_launch', 10000, 'elements of p_inputs in one launch_batch call (OR021)'),
('template_characters', 100000, 'characters of one stage''s template (upsert_orchestrator, OR001)'),
('placeholders_per_template', 200, '{{...}} placeholders in one stage''s template (upsert_orchestrator, OR001)'),
('branches_per_split', 10000, 'elements of the array one output splits into (1:N); an output with more fails (OR009)'),
('prompt_bytes', 1000000, 'bytes of a rendered prompt; a task whose prompt is longer fails at claim (OR020)'),
('json_depth', 64, 'arrays and objects a value may be nested in, in any JSON a user hands over (OR021)'),
('json_number_digits', 1000, 'digits before the decimal point of a JSON number a user hands over (OR021)'),
(
    'key_wait_seconds', 600,
    'longest a task waits for a blocked key before it looks again (report_task_failure, no_usable_key)'
),
('no_key_wait_seconds', 300, 'how long a task waits when its owner has no active key for its provider (no_usable_key)'),
('runs_per_tick', 1000, 'monitor runs, and cron trigger launches, one tick() starts at most; the rest wait a tick'),
(
    'answer_relevance_percent', 70,
    'relevance (in percent) a free-text answer''s reading must reach to count as an answer; below it is filtered_out'
),
(
    'event_retention_days', 30,
    'days tick() keeps the events of a finished batch (hourly cleanup_old_events); delete the row to keep them'
),
(
    'llm_call_retention_days', 90,
    'days tick() keeps the LLM calls of a finished batch (hourly cleanup_old_llm_calls); delete the row to keep them'
),
('retention_chunk_rows', 5000, 'events or LLM calls one retention statement deletes (and locks) at most'),
('retention_chunk_batches', 100, 'finished batches purge_finished_batches deletes in one statement at most'),
(
    'retention_rows_per_call', 100000,
    'events, LLM calls or batches one retention call deletes at most; the rest wait for the next call'
)
on conflict (name) do nothing;
