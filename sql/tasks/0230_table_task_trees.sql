create table orchable.task_trees (
    root_task_id uuid primary key references public.ai_tasks (id) on delete cascade,
    batch_id uuid not null,
    open_count integer not null default 0,
    failed_count integer not null default 0,
    cancelled_count integer not null default 0,
    constraint task_trees_counts_not_negative check (
        open_count >= 0 and failed_count >= 0 and cancelled_count >= 0
    )
)
-- Every task's completion updates its tree's row, and no index covers the counts: with
-- room left on each page the new version stays there (a HOT update, no index entry).
-- Rows written at launch fill whole pages otherwise, so the first update always moved.
with (fillfactor = 50);

-- A batch's inputs in launch order (their ids are time-ordered): the console's pages of a
-- batch's trees (batch_inputs). Neither column changes, so the counts' updates stay HOT.
create index task_trees_batch_id_root_task_id_idx on orchable.task_trees (batch_id, root_task_id);

comment on table orchable.task_trees is
'Per input (root task): how many tasks of its tree are open, failed and cancelled. Its outcome drives the batch counters.';
