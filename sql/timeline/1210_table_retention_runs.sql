-- When tick() last ran retention, and what it deleted: one row, so that it runs at most
-- once an hour however many processes tick.
create table orchable.retention_runs (
    name text primary key,
    last_run_at timestamptz not null,
    events_deleted bigint not null default 0,
    llm_calls_deleted bigint not null default 0,
    batches_deleted bigint not null default 0
);

comment on table orchable.retention_runs is
'The last retention run of tick() (name tick): when, and how many events, LLM calls and finished batches it deleted.';
