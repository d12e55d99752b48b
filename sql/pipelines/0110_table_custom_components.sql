create table public.custom_components (
    id uuid primary key default gen_random_uuid(),
    name text not null,
    description text,
    code text not null default '',
    mock_data jsonb not null default '{}',
    is_public boolean not null default false,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    created_by uuid not null default auth.uid() references auth.users (id) on delete cascade
);

create index custom_components_created_by_idx on public.custom_components (created_by);
create index custom_components_public_idx on public.custom_components (created_at) where is_public;

comment on table public.custom_components is
'TSX components that render task results in a custom way; public ones are readable by every signed-in user.';
comment on column public.custom_components.code is 'TSX source code, executed in a sandbox by the front end.';
comment on column public.custom_components.mock_data is 'Sample props for previewing the component.';
comment on column public.custom_components.is_public is 'Readable by every signed-in user; editable only by its owner.';
comment on column public.custom_components.created_at is 'When the component was created.';
comment on column public.custom_components.created_by is 'The user who owns the component.';
comment on column public.custom_components.description is 'What the component shows.';
comment on column public.custom_components.id is 'The component id.';
comment on column public.custom_components.name is 'The component''s name.';
comment on column public.custom_components.updated_at is 'When the component last changed.';
