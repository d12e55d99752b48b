create table public.prompt_templates (
    id text primary key,
    orchestrator_id uuid not null references public.orchestrators (id) on delete cascade,
    owner_id uuid not null references auth.users (id) on delete cascade,
    stage_key text not null,
    name text not null,
    description text,
    template text not null,
    version integer not null,
    is_active boolean not null default true,
    default_ai_settings jsonb not null default '{}',
    input_schema jsonb,
    output_schema jsonb,
    stage_config jsonb not null,
    next_stage_template_ids text[] not null default '{}',
    requires_approval boolean not null default false,
    max_retries integer not null default 3,
    organization_code text not null,
    custom_component_id uuid references public.custom_components (id) on delete set null,
    view_config jsonb not null default '{}',
    created_at timestamptz not null default now(),
    constraint prompt_templates_version_positive check (version > 0),
    constraint prompt_templates_max_retries_range check (max_retries between 0 and 100),
    constraint prompt_templates_cardinality_known check (
        stage_config ->> 'cardinality' in ('1:1', '1:N', 'N:1')
    ),
    constraint prompt_templates_orchestrator_id_stage_key_version_key
    unique (orchestrator_id, stage_key, version)
);

create unique index prompt_templates_active_stage_key
on public.prompt_templates (orchestrator_id, stage_key) where is_active;
create index prompt_templates_owner_id_idx on public.prompt_templates (owner_id);
create index prompt_templates_custom_component_id_idx
on public.prompt_templates (custom_component_id) where custom_component_id is not null;

comment on table public.prompt_templates is
'The stages of a pipeline, one row per stage version; id is <orchestrator id>_<stage key>_<version>.';
comment on column public.prompt_templates.template is 'The prompt, with {{dot.path}} placeholders over the task input.';
comment on column public.prompt_templates.version is
'Bumped when the stage changes; tasks keep the template row (and so the version) they were created with.';
comment on column public.prompt_templates.is_active is 'True for the current version of each stage; new tasks use it.';
comment on column public.prompt_templates.default_ai_settings is
'provider, model, temperature, top_p, top_k, max_output_tokens; a batch''s config.ai_settings overrides them.';
comment on column public.prompt_templates.stage_config is
'cardinality (1:1, 1:N, N:1), split_path, merge_path, input_mapping, next (stage keys); merge_stage_key and split_stage_key are derived.';
comment on column public.prompt_templates.next_stage_template_ids is 'The versions of the next stages this version leads to: the active ones while it is active, the last of those once replaced.';
comment on column public.prompt_templates.organization_code is 'The id of the orchestrator that owns the template (seed name).';
comment on column public.prompt_templates.max_retries is 'Retryable failures allowed before a task of this stage fails for good.';
comment on column public.prompt_templates.created_at is 'When this version was created.';
comment on column public.prompt_templates.custom_component_id is 'A custom component that renders this stage''s results.';
comment on column public.prompt_templates.description is 'What the stage does.';
comment on column public.prompt_templates.id is '<orchestrator id>_<stage key>_<version>.';
comment on column public.prompt_templates.input_schema is 'JSON Schema of the stage''s task input.';
comment on column public.prompt_templates.name is 'The stage''s display name.';
comment on column public.prompt_templates.orchestrator_id is 'The pipeline this stage belongs to.';
comment on column public.prompt_templates.output_schema is 'JSON Schema the model''s output must match (structured output).';
comment on column public.prompt_templates.owner_id is 'The user who owns the pipeline.';
comment on column public.prompt_templates.requires_approval is 'Tasks of this stage wait in generated until a person approves them.';
comment on column public.prompt_templates.stage_key is 'The stage''s key, unique within its pipeline.';
comment on column public.prompt_templates.view_config is 'Display settings: hiddenFields, delimiters and the like.';
