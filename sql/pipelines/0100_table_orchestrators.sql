create table public.orchestrators (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    name text not null,
    description text,
    entry_stage_key text not null,
    definition jsonb not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint orchestrators_owner_id_name_key unique (owner_id, name),
    constraint orchestrators_name_not_blank check (btrim(name) <> '')
);

comment on table public.orchestrators is
'A pipeline: its stages are prompt_templates, its runs are task_batches. Written by upsert_orchestrator.';
comment on column public.orchestrators.owner_id is 'The user who owns the pipeline, its templates and its batches.';
comment on column public.orchestrators.name is 'Unique per owner; upsert_orchestrator is idempotent by (owner, name).';
comment on column public.orchestrators.entry_stage_key is 'The stage whose tasks launch_batch creates, one per input.';
comment on column public.orchestrators.definition is 'The JSON document last given to upsert_orchestrator (without an owner_id: the owner is owner_id).';
comment on column public.orchestrators.created_at is 'When the pipeline was created.';
comment on column public.orchestrators.description is 'What the pipeline does.';
comment on column public.orchestrators.id is 'The pipeline id; its templates'' ids start with it.';
comment on column public.orchestrators.updated_at is 'When the pipeline was last applied with upsert_orchestrator.';
