create table orchable.merge_groups (
    split_task_id uuid not null references public.ai_tasks (id) on delete cascade,
    merge_stage_key text not null,
    expected_count integer not null,
    arrived_count integer not null default 0,
    merged_at timestamptz,
    primary key (split_task_id, merge_stage_key),
    constraint merge_groups_arrivals_in_range check (arrived_count between 0 and expected_count)
);

comment on table orchable.merge_groups is
'One row per split awaiting its N:1 merge: branches expected and arrived. Its row lock makes the merge fire exactly once.';
