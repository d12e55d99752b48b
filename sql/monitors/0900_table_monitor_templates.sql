create table public.monitor_templates (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    description text not null,
    category text not null,
    icon text,
    search_query text not null,
    condition_description text not null,
    schedule text not null default '0 9 * * *',
    notify_behavior text not null default 'once',
    config jsonb not null default '{}',
    state text not null default 'active',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint monitor_templates_name_key unique (name),
    constraint monitor_templates_notify_behavior_known check (
        notify_behavior in ('once', 'always', 'track_state')
    ),
    constraint monitor_templates_state_known check (state in ('active', 'paused')),
    constraint monitor_templates_config_is_object check (jsonb_typeof(config) = 'object')
);

comment on table public.monitor_templates is
'Ready-made monitors (Torale''s task_templates): a search query and a condition with {placeholder}s, filled in by create_monitor_from_template; readable by every signed-in user.';
comment on column public.monitor_templates.search_query is 'What to search for, with {placeholder}s, e.g. "When will {product} be released?".';
comment on column public.monitor_templates.condition_description is 'When to tell the owner, with {placeholder}s, e.g. "A release date for {product} has been announced".';
comment on column public.monitor_templates.schedule is 'The default five-field cron schedule of monitors made from it.';
comment on column public.monitor_templates.notify_behavior is 'The default notify_behavior of monitors made from it (once, always, track_state).';
comment on column public.monitor_templates.config is 'The default executor config of monitors made from it (model, fallback_models).';
comment on column public.monitor_templates.state is 'active: offered; paused: hidden from create_monitor_from_template.';
comment on column public.monitor_templates.id is 'The template''s id.';
comment on column public.monitor_templates.name is 'Its name, unique.';
comment on column public.monitor_templates.description is 'What monitors made from it watch.';
comment on column public.monitor_templates.category is 'product_release, price_tracking, availability, regulation, ...';
comment on column public.monitor_templates.icon is 'An emoji or icon name for lists.';
comment on column public.monitor_templates.created_at is 'When it was added.';
comment on column public.monitor_templates.updated_at is 'When it last changed.';
