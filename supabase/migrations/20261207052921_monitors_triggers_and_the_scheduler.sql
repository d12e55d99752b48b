-- Delta from the sources below, written by scripts/new-migration.sh.

-- sql/platform/0030_table_limits.sql: how many runs one tick starts at most.
insert into orchable.limits (name, value, description) values
('runs_per_tick', 1000, 'monitor runs, and cron trigger launches, one tick() starts at most; the rest wait a tick')
on conflict (name) do nothing;

-- sql/monitors/0900_table_monitor_templates.sql
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

-- sql/monitors/0905_data_monitor_templates.sql
-- The templates every deployment offers. Run again after a change: rows are updated in
-- place by name.
insert into public.monitor_templates (
    name, description, category, icon, search_query, condition_description, schedule, notify_behavior
)
values
(
    'Product release', 'Tells you once a release date for a product is announced.', 'product_release', '🚀',
    'When will {product} be released?', 'A release date for {product} has been officially announced',
    '0 9 * * *', 'once'
),
(
    'Price drop', 'Tells you each time a product''s price changes.', 'price_tracking', '💸',
    'What is the current price of {product} at {store}?', 'The price of {product} at {store} is known',
    '0 8,20 * * *', 'track_state'
),
(
    'Back in stock', 'Tells you once a product can be ordered again.', 'availability', '📦',
    'Is {product} in stock and available to order at {store}?', '{product} can be ordered at {store} now',
    '0 */2 * * *', 'once'
),
(
    'Regulation change', 'Tells you whenever a rule you follow changes.', 'regulation', '⚖️',
    'What is the latest official change to {regulation} in {jurisdiction}?',
    'A new change to {regulation} in {jurisdiction} has been published',
    '0 7 * * mon-fri', 'track_state'
)
on conflict (name) do update set
    description = excluded.description,
    category = excluded.category,
    icon = excluded.icon,
    search_query = excluded.search_query,
    condition_description = excluded.condition_description,
    schedule = excluded.schedule,
    notify_behavior = excluded.notify_behavior,
    updated_at = now();

-- sql/monitors/0910_table_monitors.sql
create table public.monitors (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    name text not null,
    schedule text not null,
    timezone text not null default 'UTC',
    search_query text not null,
    condition_description text not null,
    notify_behavior text not null default 'once',
    state text not null default 'active',
    condition_met boolean not null default false,
    last_known_state jsonb,
    last_notified_at timestamptz,
    next_run_at timestamptz,
    last_run_at timestamptz,
    config jsonb not null default '{}',
    muted boolean not null default false,
    snoozed_until timestamptz,
    consecutive_failures integer not null default 0,
    template_id uuid references public.monitor_templates (id) on delete set null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint monitors_notify_behavior_known check (notify_behavior in ('once', 'always', 'track_state')),
    constraint monitors_state_known check (state in ('active', 'paused', 'completed')),
    constraint monitors_scheduled_while_active check ((state = 'active') = (next_run_at is not null)),
    constraint monitors_config_is_object check (jsonb_typeof(config) = 'object'),
    constraint monitors_consecutive_failures_not_negative check (consecutive_failures >= 0),
    constraint monitors_texts_bounded check (
        length(btrim(name)) between 1 and 200
        and length(btrim(search_query)) between 1 and 2000
        and length(btrim(condition_description)) between 1 and 2000
    )
);

-- tick(): the active monitors that are due, in due order.
create index monitors_due_idx on public.monitors (next_run_at) where state = 'active';
create index monitors_owner_id_created_at_idx on public.monitors (owner_id, created_at desc);
create index monitors_template_id_idx on public.monitors (template_id) where template_id is not null;

comment on table public.monitors is
'A scheduled web check (Torale''s tasks): on its cron schedule, in its time zone, a grounded search answers search_query, judges condition_description and compares with what it knew before; notify_behavior says when the owner is told.';
comment on column public.monitors.schedule is 'Five-field cron, or @daily and the other macros, evaluated in timezone (cron_next_run).';
comment on column public.monitors.timezone is 'The IANA time zone the schedule is read in, e.g. Europe/Berlin.';
comment on column public.monitors.notify_behavior is
'once: notify the first time the condition is met, then the monitor is completed; always: every run where it is met; track_state: whenever what is known changes.';
comment on column public.monitors.state is 'active (scheduled), paused (pause_monitor) or completed (a once monitor that notified).';
comment on column public.monitors.condition_met is 'Whether the last successful run found the condition met.';
comment on column public.monitors.last_known_state is 'The facts the last successful run found (its current_state), compared with the next run''s.';
comment on column public.monitors.last_notified_at is 'When a run last notified the owner.';
comment on column public.monitors.next_run_at is 'When tick() next starts a run; null unless active.';
comment on column public.monitors.last_run_at is 'When the last run was started.';
comment on column public.monitors.config is
'The executor''s settings: model, fallback_models, notify_ungrounded (false: an answer without grounding notifies no one), failure_alert_after (failed runs in a row before the owner is told, 3).';
comment on column public.monitors.muted is 'True: runs go on, nobody is notified.';
comment on column public.monitors.snoozed_until is 'Until then runs go on and nobody is notified.';
comment on column public.monitors.consecutive_failures is 'Runs failed in a row since the last successful one.';
comment on column public.monitors.id is 'The monitor''s id.';
comment on column public.monitors.owner_id is 'The user it belongs to.';
comment on column public.monitors.name is 'What the owner calls it.';
comment on column public.monitors.search_query is 'What each run searches the web for, e.g. "When will the next iPhone be released?".';
comment on column public.monitors.condition_description is 'When the owner wants to know, e.g. "A release date has been announced".';
comment on column public.monitors.template_id is 'The template it was made from, if any.';
comment on column public.monitors.created_at is 'When it was made.';
comment on column public.monitors.updated_at is 'When it last changed.';

-- sql/monitors/0920_table_monitor_executions.sql
create table public.monitor_executions (
    id uuid primary key default gen_random_uuid(),
    monitor_id uuid not null references public.monitors (id) on delete cascade,
    owner_id uuid not null references auth.users (id) on delete cascade,
    batch_id uuid references public.task_batches (id) on delete set null,
    -- No foreign key: a task goes with its batch, and the run's record stays.
    task_id uuid,
    status text not null default 'pending',
    scheduled_for timestamptz,
    dry_run boolean not null default false,
    started_at timestamptz not null default now(),
    completed_at timestamptz,
    result jsonb,
    error_message text,
    condition_met boolean,
    change_summary text,
    grounded boolean,
    grounding_sources jsonb,
    search_queries text[],
    search_entry_point text,
    notified boolean not null default false,
    notify_reason text,
    cost_usd numeric(14, 8),
    constraint monitor_executions_status_known check (
        status in ('pending', 'running', 'success', 'failed', 'cancelled')
    ),
    constraint monitor_executions_finished_has_completed_at check (
        (status in ('success', 'failed', 'cancelled')) = (completed_at is not null)
    )
);

create index monitor_executions_monitor_id_started_at_idx
on public.monitor_executions (monitor_id, started_at desc);
create unique index monitor_executions_batch_id_key on public.monitor_executions (batch_id);
create index monitor_executions_owner_id_started_at_idx
on public.monitor_executions (owner_id, started_at desc);

comment on table public.monitor_executions is
'One run of a monitor (Torale''s task_executions): the ai_tasks row (in a batch of its own) that searched, what it answered and found, its sources, whether it notified and why or why not, and what it cost.';
comment on column public.monitor_executions.status is
'pending (queued), running (claimed), success, failed (after its retries) or cancelled (its batch was).';
comment on column public.monitor_executions.scheduled_for is 'The scheduled time the run is for; null for run_monitor_now.';
comment on column public.monitor_executions.dry_run is 'run_monitor_now(p_notify => false): the run notifies no one and changes nothing the monitor knows.';
comment on column public.monitor_executions.result is 'The verdict: answer, condition_met, reasoning and current_state (the facts to compare next time).';
comment on column public.monitor_executions.change_summary is 'What changed in current_state since the run before, or why nothing is compared.';
comment on column public.monitor_executions.grounded is 'Whether the answer came with grounding metadata (a web search it rests on).';
comment on column public.monitor_executions.grounding_sources is 'The sources the answer rests on: [{uri, title}].';
comment on column public.monitor_executions.search_queries is 'The web searches the model ran.';
comment on column public.monitor_executions.search_entry_point is 'Google''s search suggestions (HTML), which its terms require showing with a grounded answer.';
comment on column public.monitor_executions.notified is 'Whether the run notified the owner.';
comment on column public.monitor_executions.notify_reason is
'Why the run notified (condition_met, state_changed, failures) or not (condition_not_met, unchanged, already_notified, muted, snoozed, ungrounded, dry_run, failed).';
comment on column public.monitor_executions.cost_usd is 'What the run''s model calls cost.';
comment on column public.monitor_executions.id is 'The execution''s id.';
comment on column public.monitor_executions.monitor_id is 'The monitor it ran for.';
comment on column public.monitor_executions.owner_id is 'The monitor''s owner.';
comment on column public.monitor_executions.batch_id is 'The batch of the run (one task, in the owner''s "monitors (orchable)" pipeline).';
comment on column public.monitor_executions.task_id is 'The ai_tasks row that ran the search.';
comment on column public.monitor_executions.started_at is 'When the run was started.';
comment on column public.monitor_executions.completed_at is 'When it ended.';
comment on column public.monitor_executions.error_message is 'Why a failed run failed.';
comment on column public.monitor_executions.condition_met is 'Whether the verdict found the condition met.';

-- sql/monitors/0930_table_triggers.sql
create table public.triggers (
    id uuid primary key default gen_random_uuid(),
    owner_id uuid not null references auth.users (id) on delete cascade,
    orchestrator_id uuid not null references public.orchestrators (id) on delete cascade,
    name text not null,
    kind text not null,
    schedule text,
    timezone text not null default 'UTC',
    inputs jsonb not null default '[{}]',
    config jsonb not null default '{}',
    state text not null default 'active',
    next_run_at timestamptz,
    last_run_at timestamptz,
    last_batch_id uuid references public.task_batches (id) on delete set null,
    last_error text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint triggers_owner_id_name_key unique (owner_id, name),
    constraint triggers_kind_known check (kind in ('cron', 'webhook', 'manual')),
    constraint triggers_cron_has_schedule check ((kind = 'cron') = (schedule is not null)),
    constraint triggers_state_known check (state in ('active', 'paused')),
    constraint triggers_scheduled_while_active_cron check (
        (kind = 'cron' and state = 'active') = (next_run_at is not null)
    ),
    constraint triggers_inputs_non_empty_array check (
        jsonb_typeof(inputs) = 'array' and jsonb_array_length(inputs) > 0
    ),
    constraint triggers_config_is_object check (jsonb_typeof(config) = 'object')
);

-- tick(): the active cron triggers that are due, in due order.
create index triggers_due_idx on public.triggers (next_run_at) where state = 'active' and kind = 'cron';
create index triggers_orchestrator_id_idx on public.triggers (orchestrator_id);
create index triggers_last_batch_id_idx on public.triggers (last_batch_id) where last_batch_id is not null;

comment on table public.triggers is
'What launches a pipeline besides a person (the 24/7 seed''s trigger_index): cron (on a schedule, in a time zone, started by tick()), webhook (when trigger_webhook is called with its access key) or manual; each launch is launch_batch with the trigger''s inputs and config.';
comment on column public.triggers.kind is 'cron, webhook or manual.';
comment on column public.triggers.schedule is 'For cron: five-field cron or a macro, read in timezone (cron_next_run).';
comment on column public.triggers.inputs is 'The inputs each launch gets (a JSON array, as launch_batch takes).';
comment on column public.triggers.config is 'The config each launch gets (as launch_batch takes).';
comment on column public.triggers.next_run_at is 'For an active cron trigger: when tick() next launches it.';
comment on column public.triggers.last_batch_id is 'The batch its last launch made.';
comment on column public.triggers.last_error is 'Why its last launch failed (null when it launched).';
comment on column public.triggers.id is 'The trigger''s id.';
comment on column public.triggers.owner_id is 'The user it belongs to (the pipeline''s owner).';
comment on column public.triggers.orchestrator_id is 'The pipeline it launches.';
comment on column public.triggers.name is 'What the owner calls it, unique per owner.';
comment on column public.triggers.timezone is 'The IANA time zone its schedule is read in.';
comment on column public.triggers.state is 'active or paused.';
comment on column public.triggers.last_run_at is 'When it last launched (or tried to).';
comment on column public.triggers.created_at is 'When it was added.';
comment on column public.triggers.updated_at is 'When it last changed.';

-- functions/platform/0025__owner_for.sql
-- Whose row an RPC creates: the signed-in user's, always; with no user (service_role,
-- psql), the p_owner_id the caller names. An API role without a user may not choose.
create or replace function orchable._owner_for(p_owner_id uuid, p_rpc text)
returns uuid
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_uid uuid := auth.uid();
begin
    if v_uid is null and coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
        raise exception '% needs a signed-in user', p_rpc
            using errcode = '42501', hint = 'call it with a user''s JWT';
    end if;
    if v_uid is not null and p_owner_id is not null and p_owner_id <> v_uid then
        raise exception '% cannot create for another user', p_rpc
            using errcode = 'OR003', detail = 'p_owner_id differs from the signed-in user',
            hint = 'leave p_owner_id out: what a signed-in user creates is their own';
    end if;
    if coalesce(v_uid, p_owner_id) is null then
        raise exception '% has no owner', p_rpc
            using errcode = 'OR003', detail = 'there is no signed-in user and p_owner_id is null',
            hint = 'call it as a signed-in user, or pass p_owner_id';
    end if;
    return coalesce(v_uid, p_owner_id);
end
$$;

comment on function orchable._owner_for(uuid, text) is
'The owner of what an RPC creates: the signed-in user, or p_owner_id when there is none (service_role, psql); raises 42501 or OR003 otherwise.';

-- functions/pipelines/0120__validate_stages.sql
-- Checks a pipeline definition's stages and returns them normalised, keyed by stage key,
-- with the derived keys each stage needs at run time: a 1:N stage's merge_stage_keys
-- (the N:1 stages that close its split) and an N:1 stage's split_stage_key. Raises OR001
-- naming the stage and the problem: unknown next stage, cycle, N:1 with no 1:N above it,
-- a split without split_path, and the like. Its time grows as n log n in the stages:
-- stages and their derived keys are kept in arrays by position and keyed once at the end,
-- where growing a jsonb object stage by stage copied it every time (2,000 stages took 8 s).
create or replace function orchable._validate_stages(p_definition jsonb)
returns jsonb
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_count integer;
    v_stages jsonb;
    v_stage jsonb;
    v_position integer;
    v_key text;
    v_next text;
    v_entry text := p_definition ->> 'entry';
    -- By position in the definition (1-based), and a key's position by key.
    v_keys text [] := '{}';
    v_defs jsonb [] := '{}';
    v_first jsonb;
    v_positions jsonb;
    v_indegree integer [];
    v_splits jsonb [];
    v_split_stage_keys text [];
    v_merge_stage_keys jsonb [];
    v_queue text [];
    v_head integer := 1;
    v_order text [] := '{}';
    v_stack jsonb;
    v_child_stack jsonb;
    v_card text;
    v_problem text;
    v_next_position integer;
    v_max_stages constant bigint := orchable._limit('stages_per_pipeline');
    v_max_template constant bigint := orchable._limit('template_characters');
    v_max_placeholders constant bigint := orchable._limit('placeholders_per_template');
    -- What the worker reads of a stage's ai_settings (orchable.executor.build_request).
    v_ai_settings_keys constant text [] := array[
        'provider', 'model', 'fallback_models', 'temperature', 'top_p', 'top_k', 'max_output_tokens',
        'system_instruction', 'timeout_seconds'
    ];
    -- A reference a worker would have to fetch: orchable's workers retrieve none.
    v_remote_ref constant jsonpath := 'strict $.** ? (@.type() == "object").keyvalue()
        ? ((@.key == "$ref" || @.key == "$dynamicRef" || @.key == "$recursiveRef") && !(@.value starts with "#"))';
begin
    if jsonb_typeof(p_definition -> 'stages') is distinct from 'array'
        or jsonb_array_length(p_definition -> 'stages') = 0 then
        raise exception 'the pipeline definition has no stages'
            using errcode = 'OR001', detail = 'stages must be a non-empty JSON array',
            hint = 'add "stages": [{"key": "...", "template": "..."}]';
    end if;
    if jsonb_array_length(p_definition -> 'stages') > v_max_stages then
        raise exception 'the pipeline definition has % stages; at most %', jsonb_array_length(p_definition -> 'stages'), v_max_stages
            using errcode = 'OR001', detail = format('limit stages_per_pipeline = %s', v_max_stages),
            hint = 'split the pipeline; an operator can raise orchable.limits stages_per_pipeline';
    end if;

    v_count := jsonb_array_length(p_definition -> 'stages');
    -- Where each key is first defined: a later definition of it is a duplicate.
    select jsonb_object_agg(f.stage_key, f.position) into v_first
    from (
        select s.stage ->> 'key' as stage_key, min(s.position) as position
        from jsonb_array_elements(p_definition -> 'stages') with ordinality as s (stage, position)
        where s.stage ->> 'key' is not null
        group by 1
    ) as f;

    for v_stage, v_position in
        select s.stage, s.position from jsonb_array_elements(p_definition -> 'stages') with ordinality as s (stage, position)
    loop
        v_key := v_stage ->> 'key';
        v_card := coalesce(v_stage ->> 'cardinality', '1:1');
        v_problem := case
            when jsonb_typeof(v_stage) <> 'object' then 'is not a JSON object'
            when v_key is null or v_key !~ '^[a-z][a-z0-9_]*$' then
                'has no key or a key that is not snake_case ([a-z][a-z0-9_]*)'
            when (v_first ->> v_key)::integer < v_position then 'is defined twice'
            when coalesce(btrim(v_stage ->> 'template'), '') = '' then 'has no template'
            when length(v_stage ->> 'template') > v_max_template then
                format('has a template of %s characters; at most %s', length(v_stage ->> 'template'), v_max_template)
            when cardinality((orchable._parse_template(v_stage ->> 'template')).names) > v_max_placeholders then
                format('has a template of %s placeholders; at most %s',
                    cardinality((orchable._parse_template(v_stage ->> 'template')).names), v_max_placeholders)
            when v_card not in ('1:1', '1:N', 'N:1') then
                format('has cardinality "%s"; it must be 1:1, 1:N or N:1', v_card)
            when v_card = '1:N' and coalesce(v_stage ->> 'split_path', '') = '' then
                'is a split (1:N) without split_path'
            when v_card = '1:N' and v_stage ->> 'split_path' !~ '^[^.]+(\.[^.]+)*$' then
                'is a split (1:N) whose split_path is not a dot path (a.b.c)'
            when v_stage ? 'next' and jsonb_typeof(v_stage -> 'next') <> 'array' then
                'has a next that is not an array of stage keys'
            when exists (
                select from jsonb_array_elements(v_stage -> 'next') as n (stage_key)
                where jsonb_typeof(n.stage_key) <> 'string'
            ) then 'has a next with an element that is not a stage key (a string)'
            when exists (
                select from jsonb_array_elements_text(v_stage -> 'next') as n (stage_key)
                group by n.stage_key having count(*) > 1
            ) then format('lists next stage "%s" more than once', (
                select n.stage_key from jsonb_array_elements_text(v_stage -> 'next') as n (stage_key)
                group by n.stage_key having count(*) > 1 order by n.stage_key limit 1
            ))
            when v_card = 'N:1' and v_stage ? 'merge_path'
                and coalesce(v_stage ->> 'merge_path', '') !~ '^[^.]+(\.[^.]+)*$' then
                'is a merge (N:1) whose merge_path is not a dot path (a.b.c)'
            when v_stage ? 'input_mapping' and jsonb_typeof(v_stage -> 'input_mapping') <> 'object' then
                'has an input_mapping that is not an object'
            when exists (
                select from jsonb_each(coalesce(v_stage -> 'input_mapping', '{}')) as m
                where jsonb_typeof(m.value) <> 'string' or m.value #>> '{}' !~ '^(input|output)(\.[^.]+)*$'
            ) then 'has an input_mapping value that is not "input.<path>" or "output.<path>"'
            when v_stage ? 'ai_settings' and jsonb_typeof(v_stage -> 'ai_settings') <> 'object' then
                'has ai_settings that are not an object'
            when exists (
                select from jsonb_object_keys(coalesce(v_stage -> 'ai_settings', '{}')) as k (name)
                where k.name <> all(v_ai_settings_keys)
            ) then format('has ai_settings key "%s", which orchable does not know (it knows %s)', (
                select min(k.name) from jsonb_object_keys(v_stage -> 'ai_settings') as k (name)
                where k.name <> all(v_ai_settings_keys)
            ), array_to_string(v_ai_settings_keys, ', '))
            when jsonb_typeof(v_stage -> 'output_schema') not in ('object', 'null') then
                'has an output_schema that is not an object'
            when jsonb_typeof(v_stage -> 'input_schema') not in ('object', 'null') then
                'has an input_schema that is not an object'
            when jsonb_path_exists(jsonb_build_array(v_stage -> 'output_schema', v_stage -> 'input_schema'), v_remote_ref) then
                format('has a schema that refers to "%s"; only local references (#/...) are allowed', (
                    select r ->> 'value'
                    from jsonb_path_query(jsonb_build_array(v_stage -> 'output_schema', v_stage -> 'input_schema'), v_remote_ref) as r
                    limit 1))
            when v_stage ? 'kind' and coalesce(v_stage ->> 'kind', '') not in ('generate', 'grounded_search') then
                format('has kind %s; a stage is generate (the default) or grounded_search (a web search, then the verdict)',
                    v_stage -> 'kind')
            when jsonb_typeof(v_stage -> 'requires_approval') not in ('boolean', 'null') then
                'has a requires_approval that is not a boolean'
            when v_stage ? 'max_retries' and case
                when jsonb_typeof(v_stage -> 'max_retries') <> 'number' then true
                else (v_stage ->> 'max_retries')::numeric not between 0 and 100
                    or (v_stage ->> 'max_retries')::numeric <> trunc((v_stage ->> 'max_retries')::numeric)
            end then
                'has a max_retries that is not a whole number from 0 to 100'
        end;
        if v_problem is not null then
            raise exception 'stage "%" %', coalesce(v_key, '?'), v_problem
                using errcode = 'OR001', detail = v_stage::text,
                hint = 'fix the stage in the pipeline definition and apply it again';
        end if;
        v_keys := v_keys || v_key;
        v_defs := v_defs || jsonb_build_object(
            'key', v_key,
            'template', v_stage ->> 'template',
            'name', coalesce(v_stage ->> 'name', v_key),
            'description', v_stage ->> 'description',
            'task_type', coalesce(v_stage ->> 'task_type', v_key),
            'kind', coalesce(v_stage ->> 'kind', 'generate'),
            'next', coalesce(v_stage -> 'next', '[]'),
            'cardinality', v_card,
            'split_path', v_stage ->> 'split_path',
            'merge_path', case when v_card = 'N:1' then coalesce(v_stage ->> 'merge_path', 'items') end,
            'input_mapping', coalesce(v_stage -> 'input_mapping', '{}'),
            'input_schema', v_stage -> 'input_schema',
            'output_schema', v_stage -> 'output_schema',
            'requires_approval', coalesce((v_stage ->> 'requires_approval')::boolean, false),
            'ai_settings', coalesce(v_stage -> 'ai_settings', '{}'),
            -- A whole number may be written 5.0, which the integer cast alone refuses.
            'max_retries', coalesce((v_stage ->> 'max_retries')::numeric::integer, 3)
        );
    end loop;
    select jsonb_object_agg(k.stage_key, k.definition), jsonb_object_agg(k.stage_key, k.position)
    into v_stages, v_positions
    from unnest(v_keys, v_defs) with ordinality as k (stage_key, definition, position);
    v_indegree := array_fill(0, array[v_count]);

    if coalesce(v_entry, '') = '' then
        raise exception 'the pipeline definition has no entry stage'
            using errcode = 'OR001', detail = 'entry must name one of the stages',
            hint = 'add "entry": the key of the stage each input starts at';
    end if;
    if not v_stages ? v_entry then
        raise exception 'entry stage "%" is not one of the stages', v_entry
            using errcode = 'OR001', hint = 'set "entry" to the key of the first stage';
    end if;
    if v_stages -> v_entry ->> 'cardinality' <> '1:1' then
        raise exception 'stage "%" is the entry but has cardinality %', v_entry, v_stages -> v_entry ->> 'cardinality'
            using errcode = 'OR001', hint = 'the entry stage gets one task per input: make it 1:1';
    end if;

    -- Unknown next stages, and in-degrees for the cycle check.
    for v_key, v_stage in select * from jsonb_each(v_stages) loop
        for v_next in select jsonb_array_elements_text(v_stage -> 'next') loop
            if not v_stages ? v_next then
                raise exception 'stage "%" has next stage "%", which is not defined', v_key, v_next
                    using errcode = 'OR001', hint = 'define the stage or remove it from next';
            end if;
            v_next_position := (v_positions ->> v_next)::integer;
            v_indegree[v_next_position] := v_indegree[v_next_position] + 1;
        end loop;
    end loop;
    for v_key in select k from jsonb_object_keys(v_stages) as k where v_indegree[(v_positions ->> k)::integer] > 1 loop
        if v_stages -> v_key ->> 'cardinality' = 'N:1' then
            raise exception 'stage "%" merges (N:1) but more than one stage leads to it', v_key
                using errcode = 'OR001', hint = 'an N:1 stage follows exactly one stage';
        end if;
    end loop;

    -- Kahn's algorithm: whatever cannot be ordered lies on a cycle.
    select coalesce(array_agg(k.stage_key order by k.stage_key), '{}') into v_queue
    from unnest(v_keys) with ordinality as k (stage_key, position)
    where v_indegree[k.position] = 0;
    while v_head <= cardinality(v_queue) loop
        v_key := v_queue[v_head];
        v_head := v_head + 1;
        v_order := v_order || v_key;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_next_position := (v_positions ->> v_next)::integer;
            v_indegree[v_next_position] := v_indegree[v_next_position] - 1;
            if v_indegree[v_next_position] = 0 then
                v_queue := v_queue || v_next;
            end if;
        end loop;
    end loop;
    if cardinality(v_order) < v_count then
        select min(k.stage_key) into v_key from (select unnest(v_keys) except select unnest(v_order)) as k (stage_key);
        raise exception 'stage "%" is part of a cycle', v_key
            using errcode = 'OR001', hint = 'a pipeline is a directed acyclic graph: remove the next link that loops back';
    end if;

    -- Open splits along every path, in topological order: a 1:N pushes its key, an N:1
    -- pops the split it closes. Every stage must be reached with one stack.
    v_splits := array_fill(null::jsonb, array[v_count]);
    v_split_stage_keys := array_fill(null::text, array[v_count]);
    v_merge_stage_keys := array_fill(null::jsonb, array[v_count]);
    v_splits[(v_positions ->> v_entry)::integer] := '[]'::jsonb;
    foreach v_key in array v_order loop
        v_stack := v_splits[(v_positions ->> v_key)::integer];
        if v_stack is null then
            raise exception 'stage "%" cannot be reached from the entry stage "%"', v_key, v_entry
                using errcode = 'OR001', hint = 'link it from another stage''s next, or remove it';
        end if;
        for v_next in select jsonb_array_elements_text(v_stages -> v_key -> 'next') loop
            v_next_position := (v_positions ->> v_next)::integer;
            v_card := v_stages -> v_next ->> 'cardinality';
            if v_card = 'N:1' and jsonb_array_length(v_stack) = 0 then
                raise exception 'stage "%" merges (N:1) but no split (1:N) above it is open', v_next
                    using errcode = 'OR001', hint = 'put a 1:N stage before it, or make it 1:1';
            end if;
            v_child_stack := case v_card
                when '1:N' then v_stack || to_jsonb(v_next)
                when 'N:1' then v_stack - (jsonb_array_length(v_stack) - 1)
                else v_stack
            end;
            if v_splits[v_next_position] <> v_child_stack then
                raise exception 'stage "%" is reached inside different splits', v_next
                    using errcode = 'OR001', hint = 'every path to a stage must cross the same 1:N and N:1 stages';
            end if;
            v_splits[v_next_position] := v_child_stack;
            if v_card = 'N:1' then
                v_split_stage_keys[v_next_position] := v_stack ->> -1;
                v_merge_stage_keys[(v_positions ->> (v_stack ->> -1))::integer] :=
                    coalesce(v_merge_stage_keys[(v_positions ->> (v_stack ->> -1))::integer], '[]') || to_jsonb(v_next);
            end if;
        end loop;
    end loop;
    return (
        select jsonb_object_agg(k.stage_key, k.definition
            || case when k.split_stage_key is null then '{}' else jsonb_build_object('split_stage_key', k.split_stage_key) end
            || case when k.merge_stage_keys is null then '{}' else jsonb_build_object('merge_stage_keys', k.merge_stage_keys) end)
        from unnest(v_keys, v_defs, v_split_stage_keys, v_merge_stage_keys)
            as k (stage_key, definition, split_stage_key, merge_stage_keys)
    );
end
$$;

comment on function orchable._validate_stages(jsonb) is
'Validates a pipeline definition''s stage graph and returns the stages normalised and keyed, with derived merge/split keys.';

-- functions/pipelines/0130_upsert_orchestrator.sql
-- SECURITY DEFINER: users may not write prompt_templates directly, so that every stage
-- change goes through validation and versioning here.
create or replace function orchable_rpc.upsert_orchestrator(p_definition jsonb)
returns public.orchestrators
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner_id uuid := auth.uid();
    v_stages jsonb;
    v_stage jsonb;
    v_key text;
    v_orchestrator public.orchestrators;
    v_current public.prompt_templates;
    v_stage_config jsonb;
    v_version integer;
begin
    if jsonb_typeof(p_definition) is distinct from 'object' then
        raise exception 'the pipeline definition must be a JSON object'
            using errcode = 'OR001', hint = 'pass {"name": ..., "entry": ..., "stages": [...]}';
    end if;
    if coalesce(btrim(p_definition ->> 'name'), '') = '' then
        raise exception 'the pipeline definition has no name'
            using errcode = 'OR001', hint = 'add "name": a pipeline is updated in place by its name';
    end if;
    if length(p_definition ->> 'name') > 200 then
        raise exception 'the pipeline name is % characters long; at most 200', length(p_definition ->> 'name')
            using errcode = 'OR001', hint = 'use a shorter name; put the rest in "description"';
    end if;
    if v_owner_id is null then
        if coalesce(current_setting('role', true), 'none') in ('anon', 'authenticated') then
            raise exception 'upsert_orchestrator needs a signed-in user'
                using errcode = '42501', hint = 'call it with a user''s JWT';
        end if;
        if p_definition ->> 'owner_id' !~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$' then
            raise exception 'owner_id "%" is not a user id', p_definition ->> 'owner_id'
                using errcode = 'OR001', hint = 'pass the uuid of a row of auth.users';
        end if;
        v_owner_id := (p_definition ->> 'owner_id')::uuid;
        if v_owner_id is null then
            raise exception 'the pipeline has no owner'
                using errcode = 'OR001', hint = 'called without a user (service_role, psql): add "owner_id" to the definition';
        end if;
    end if;

    perform orchable._check_json_limits(p_definition, 'the pipeline definition');
    v_stages := orchable._validate_stages(p_definition);

    insert into public.orchestrators as o (owner_id, name, description, entry_stage_key, definition)
    values (
        v_owner_id, p_definition ->> 'name', p_definition ->> 'description', p_definition ->> 'entry',
        p_definition - 'owner_id'
    )
    on conflict (owner_id, name) do update set
        description = excluded.description,
        entry_stage_key = excluded.entry_stage_key,
        definition = excluded.definition,
        updated_at = now()
    returning o.* into v_orchestrator;

    for v_key, v_stage in select * from jsonb_each(v_stages) loop
        v_stage_config := jsonb_strip_nulls(jsonb_build_object(
            'cardinality', v_stage -> 'cardinality',
            'split_path', v_stage -> 'split_path',
            'merge_path', v_stage -> 'merge_path',
            'input_mapping', v_stage -> 'input_mapping',
            'next', v_stage -> 'next',
            'task_type', v_stage -> 'task_type',
            -- generate, the default, is left out: stages saved before kinds existed compare equal.
            'kind', case when v_stage ->> 'kind' <> 'generate' then v_stage -> 'kind' end,
            'merge_stage_keys', v_stage -> 'merge_stage_keys',
            'split_stage_key', v_stage -> 'split_stage_key'
        ));
        select * into v_current from public.prompt_templates as t
        where t.orchestrator_id = v_orchestrator.id and t.stage_key = v_key and t.is_active;

        if found and v_current.template = v_stage ->> 'template'
            and v_current.name = v_stage ->> 'name'
            and v_current.description is not distinct from v_stage ->> 'description'
            and v_current.default_ai_settings = v_stage -> 'ai_settings'
            and v_current.input_schema is not distinct from v_stage -> 'input_schema'
            and v_current.output_schema is not distinct from v_stage -> 'output_schema'
            and v_current.stage_config = v_stage_config
            and v_current.requires_approval = (v_stage ->> 'requires_approval')::boolean
            and v_current.max_retries = (v_stage ->> 'max_retries')::integer then
            continue;
        end if;

        update public.prompt_templates set is_active = false
        where orchestrator_id = v_orchestrator.id and stage_key = v_key and is_active;
        select coalesce(max(t.version), 0) + 1 into v_version
        from public.prompt_templates as t
        where t.orchestrator_id = v_orchestrator.id and t.stage_key = v_key;

        insert into public.prompt_templates (
            id, orchestrator_id, owner_id, stage_key, name, description, template, version,
            default_ai_settings, input_schema, output_schema, stage_config, requires_approval,
            max_retries, organization_code
        )
        values (
            format('%s_%s_%s', v_orchestrator.id, v_key, v_version), v_orchestrator.id, v_owner_id,
            v_key, v_stage ->> 'name', v_stage ->> 'description', v_stage ->> 'template', v_version,
            v_stage -> 'ai_settings', v_stage -> 'input_schema', v_stage -> 'output_schema',
            v_stage_config, (v_stage ->> 'requires_approval')::boolean,
            (v_stage ->> 'max_retries')::integer, v_orchestrator.id::text
        );
    end loop;

    -- Stages no longer in the definition: their tasks finish, no new ones are created.
    update public.prompt_templates as t set is_active = false
    where t.orchestrator_id = v_orchestrator.id and t.is_active and not v_stages ? t.stage_key;

    update public.prompt_templates as t
    set next_stage_template_ids = coalesce((
        select array_agg(n.id order by k.position)
        from jsonb_array_elements_text(t.stage_config -> 'next') with ordinality as k (stage_key, position)
        join public.prompt_templates as n
            on n.orchestrator_id = t.orchestrator_id and n.stage_key = k.stage_key and n.is_active
    ), '{}')
    where t.orchestrator_id = v_orchestrator.id and t.is_active;

    return v_orchestrator;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.upsert_orchestrator(p_definition jsonb)
returns public.orchestrators
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.upsert_orchestrator(p_definition);
end
$$;

comment on function orchable_rpc.upsert_orchestrator(jsonb) is
'The implementation of public.upsert_orchestrator, run with its owner''s rights; callable by the roles that may call public.upsert_orchestrator.';

comment on function public.upsert_orchestrator(jsonb) is
'Creates or updates a pipeline and its stages from one JSON document (name, description, entry, stages); idempotent by (owner, name). A changed stage gets a new template version; tasks already created keep theirs. A malformed definition raises OR001 naming the stage.';

revoke all on function orchable_rpc.upsert_orchestrator(jsonb) from public, anon, authenticated, service_role;
revoke all on function public.upsert_orchestrator(jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.upsert_orchestrator(jsonb) to authenticated, service_role;
grant execute on function public.upsert_orchestrator(jsonb) to authenticated, service_role;

-- functions/tasks/0390_claim_tasks.sql: the claim returns the stage's kind, a new column,
-- which takes a new function (callers that name their columns read it unchanged).
drop function public.claim_tasks(text, integer, integer);
drop function orchable_rpc.claim_tasks(text, integer, integer);
-- SECURITY DEFINER: the worker role has no table privileges; this is how it takes work.
-- One claim shape: lock due rows (those of v_runnable_tasks) in index order, shared
-- between the owners with work due, skipping rows other workers hold, then lease them. A
-- task whose lease keeps expiring fails as poison, and one whose prompt names a variable
-- its input lacks, or would pass the prompt_bytes limit, fails; neither is returned.
create function orchable_rpc.claim_tasks(
    p_worker_id text,
    p_limit integer default 1,
    p_lease_seconds integer default 300
)
returns table (
    task_id uuid,
    claim_token uuid,
    locked_until timestamptz,
    owner_id uuid,
    batch_id uuid,
    root_task_id uuid,
    stage_key text,
    task_type text,
    prompt_template_id text,
    prompt text,
    input_data jsonb,
    ai_settings jsonb,
    output_schema jsonb,
    retry_count integer,
    max_retries integer,
    stage_kind text
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_max_lease_expiries constant integer := 5;
    v_tasks public.ai_tasks [] := '{}';
    v_poisoned boolean;
    v_ids uuid [];
    v_prompts text [];
    v_missing_variables text [];
    v_too_long boolean [];
    v_max_prompt_bytes constant bigint := orchable._limit('prompt_bytes');
    v_owners uuid [];
    v_owner uuid;
    v_held uuid [];
    v_count integer;
    v_in_flight_cap constant bigint := orchable._limit('tasks_in_flight_per_owner');
begin
    if coalesce(btrim(p_worker_id), '') = '' or p_limit is null or p_limit not between 1 and 1000
        or p_lease_seconds is null or p_lease_seconds not between 1 and 86400 then
        raise exception 'claim_tasks needs a worker id, a limit from 1 to 1000 and a lease from 1 to 86400 seconds'
            using errcode = 'OR010',
            detail = format('p_worker_id=%s p_limit=%s p_lease_seconds=%s', p_worker_id, p_limit, p_lease_seconds),
            hint = 'for example claim_tasks(''worker-1'', 10, 300)';
    end if;

    -- Fair between owners: the claim's tasks are shared equally between the owners with
    -- work due (orchable._owners_with_due_tasks), so one owner's flood of inputs delays
    -- nobody else's; each owner's share is its earliest due tasks, locked in the order of
    -- ai_tasks_runnable_idx, skipping rows other workers hold, and leased. A share an owner
    -- cannot fill is left for the next claim, which a worker makes at once after a claim
    -- that got tasks. One statement per owner: as one lateral join over the owners, the
    -- same work cost 5% more of PostgreSQL's instructions per task
    -- (bench/backend_instructions.sh).
    v_owners := orchable._owners_with_due_tasks(p_limit);
    v_held := array(select b.id from public.task_batches as b where b.status in ('paused', 'cancelled'));
    for v_index in 1 .. cardinality(v_owners) loop
        v_owner := v_owners[v_index];
        -- p_limit shared as evenly as whole tasks allow: the first owners get one more.
        v_count := p_limit / cardinality(v_owners) + (v_index <= p_limit % cardinality(v_owners))::integer;
        if v_in_flight_cap is not null then
            v_count := least(v_count, v_in_flight_cap - orchable._tasks_in_flight(v_owner, v_in_flight_cap));
            continue when v_count <= 0;
        end if;
        with candidates as (
            select t.id, t.status
            from public.ai_tasks as t
            where t.owner_id = v_owner and t.status in ('plan', 'processing')
                and (case when t.status = 'processing' then t.locked_until else t.run_after end) <= now()
                and t.batch_id <> all(v_held)
            order by (case when t.status = 'processing' then t.locked_until else t.run_after end)
            limit v_count
            for update skip locked
        ),
        leased as (
            update public.ai_tasks as t
            set
                status = 'processing',
                claim_token = gen_random_uuid(),
                locked_by = p_worker_id,
                locked_until = now() + make_interval(secs => p_lease_seconds),
                claim_count = t.claim_count + 1,
                lease_expired_count = t.lease_expired_count + (c.status = 'processing')::integer,
                started_at = coalesce(t.started_at, now()),
                updated_at = now()
            from candidates as c
            where t.id = c.id
            returning t as task
        )
        select v_tasks || coalesce(array_agg(task), '{}') into v_tasks from leased;
    end loop;
    v_poisoned := exists (select from unnest(v_tasks) as c where c.lease_expired_count >= v_max_lease_expiries);

    -- Statement triggers fire even for an update of no row: run these only when needed.
    if v_poisoned then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = 'OR014',
            error_message = format('poison task: its lease expired %s times without a result', t.lease_expired_count),
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        from unnest(v_tasks) as c
        where t.id = c.id and c.lease_expired_count >= v_max_lease_expiries;
    end if;

    -- Each prompt is rendered once, from the rows the claim returned (ai_tasks is not read
    -- again) and its template parsed once per claim: a task whose input lacks a template
    -- variable fails naming it, one whose prompt would pass the prompt_bytes limit fails
    -- too, and the others are returned with their prompt.
    with templates as materialized (
        select p.id, t.parts, t.names
        from public.prompt_templates as p
        cross join lateral orchable._parse_template(p.template) as t
        where p.id in (select c.prompt_template_id from unnest(v_tasks) as c)
    )
    select array_agg(c.id), array_agg(r.rendered), array_agg(r.missing_variable), array_agg(r.too_long)
    into v_ids, v_prompts, v_missing_variables, v_too_long
    from unnest(v_tasks) as c
    join templates as p on p.id = c.prompt_template_id
    cross join lateral orchable._render_template(p.parts, p.names, c.input_data, v_max_prompt_bytes) as r
    where c.lease_expired_count < v_max_lease_expiries;
    if exists (
        select from unnest(v_missing_variables, v_too_long) as m (missing_variable, too_long)
        where m.missing_variable is not null or m.too_long
    ) then
        update public.ai_tasks as t
        set
            status = 'failed',
            error_code = case when m.too_long then 'OR020' else 'OR008' end,
            error_message = case
                when m.too_long then format('the rendered prompt is longer than %s bytes', v_max_prompt_bytes)
                else format('template variable "%s" is missing from the task input', m.missing_variable)
            end,
            claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        from unnest(v_ids, v_missing_variables, v_too_long) as m (id, missing_variable, too_long)
        where t.id = m.id and (m.missing_variable is not null or m.too_long);
    end if;

    return query
    select
        t.id, t.claim_token, t.locked_until, t.owner_id, t.batch_id, t.root_task_id, t.stage_key,
        t.task_type, t.prompt_template_id, c.prompt, t.input_data,
        p.default_ai_settings || coalesce(b.config -> 'ai_settings', '{}'::jsonb),
        p.output_schema, t.retry_count, t.max_retries, coalesce(p.stage_config ->> 'kind', 'generate')
    from unnest(v_tasks) as t
    join unnest(v_ids, v_prompts) as c (id, prompt) on c.id = t.id
    join public.prompt_templates as p on p.id = t.prompt_template_id
    join public.task_batches as b on b.id = t.batch_id
    where c.prompt is not null;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.claim_tasks(
    p_worker_id text,
    p_limit integer default 1,
    p_lease_seconds integer default 300
)
returns table (
    task_id uuid,
    claim_token uuid,
    locked_until timestamptz,
    owner_id uuid,
    batch_id uuid,
    root_task_id uuid,
    stage_key text,
    task_type text,
    prompt_template_id text,
    prompt text,
    input_data jsonb,
    ai_settings jsonb,
    output_schema jsonb,
    retry_count integer,
    max_retries integer,
    stage_kind text
)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.claim_tasks(p_worker_id, p_limit, p_lease_seconds);
end
$$;

comment on function orchable_rpc.claim_tasks(text, integer, integer) is
'The implementation of public.claim_tasks, run with its owner''s rights; callable by the roles that may call public.claim_tasks.';

comment on function public.claim_tasks(text, integer, integer) is
'Worker only. Claims up to p_limit runnable tasks (FOR UPDATE SKIP LOCKED) with a lease and a new claim token each; returns the rendered prompt, AI settings, output_schema and the stage''s kind (generate or grounded_search).';

revoke all on function orchable_rpc.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
revoke all on function public.claim_tasks(text, integer, integer) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.claim_tasks(text, integer, integer) to orchable_worker, service_role;
grant execute on function public.claim_tasks(text, integer, integer) to orchable_worker, service_role;

-- functions/monitors/0890__cron_fields.sql
-- Parses and checks a five-field cron expression, with the rules of cronsim (Debian cron's):
-- lists, ranges, steps (`*/n`, `a-b/n`, and `a/n` for a to the field's end), month and
-- weekday names in any case, 7 as Sunday, and the macros @yearly @annually @monthly
-- @weekly @daily @midnight @hourly. Each field comes back as a bit mask of the values it
-- allows (bit n set: n allowed). cronsim's extensions (L, W, #, a seconds field) are refused.
create or replace function orchable._cron_fields(
    p_expr text,
    out minutes bigint,
    out hours bigint,
    out days bigint,
    out months bigint,
    out weekdays bigint,
    out dom_restricted boolean,
    out dow_restricted boolean,
    out fixed_time boolean
)
language plpgsql
immutable
strict
set search_path = pg_catalog, pg_temp
as $$
declare
    v_field_names constant text[] := array['minute', 'hour', 'day of month', 'month', 'day of week'];
    v_lows constant integer[] := array[0, 0, 1, 1, 0];
    v_highs constant integer[] := array[59, 23, 31, 12, 7];
    v_month_names constant text[] := array[
        'jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'
    ];
    v_day_names constant text[] := array['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    v_hint constant text := 'five fields, minute hour day-of-month month day-of-week, such as '
        '''*/15 * * * *'' or ''0 9 * * mon-fri''; or one of @yearly, @annually, @monthly, '
        '@weekly, @daily, @midnight, @hourly';
    v_fields text[];
    v_masks bigint[] := array[0, 0, 0, 0, 0];
    v_field integer;
    v_term text;
    v_parts text[];
    v_from integer;
    v_to integer;
    v_text text;
    v_step integer;
    v_pattern bigint;
    v_width integer;
    v_longest_month integer;
begin
    v_fields := array_remove(regexp_split_to_array(lower(p_expr), '\s+'), '');
    if cardinality(v_fields) = 1 and left(v_fields[1], 1) = '@' then
        v_fields := string_to_array(case v_fields[1]
            when '@yearly' then '0 0 1 1 *'
            when '@annually' then '0 0 1 1 *'
            when '@monthly' then '0 0 1 * *'
            when '@weekly' then '0 0 * * 0'
            when '@daily' then '0 0 * * *'
            when '@midnight' then '0 0 * * *'
            when '@hourly' then '0 * * * *'
        end, ' ');
        if v_fields is null then
            raise exception 'invalid cron expression %', quote_literal(p_expr)
                using errcode = 'OR031',
                detail = format('macro: %s is not one of the macros', quote_literal(p_expr)),
                hint = v_hint;
        end if;
    end if;
    if cardinality(v_fields) <> 5 then
        raise exception 'invalid cron expression %', quote_literal(p_expr)
            using errcode = 'OR031',
            detail = format('fields: the expression has %s fields, not 5', cardinality(v_fields)),
            hint = v_hint;
    end if;

    for v_field in 1..5 loop
        if v_fields[v_field] = '*' then
            v_masks[v_field] := (2::bigint << v_highs[v_field]) - (1::bigint << v_lows[v_field]);
            continue;
        end if;
        foreach v_term in array string_to_array(v_fields[v_field], ',') loop
            -- The grammar of a term: (* | value | value-value) then an optional /step.
            v_parts := case when v_term = '*' then array['*', null, null, null]
                else regexp_match(v_term, '^(?:(\*)|([0-9a-z]+)(?:-([0-9a-z]+))?)(?:/([0-9]+))?$') end;
            if v_parts is null then
                raise exception 'invalid cron expression %', quote_literal(p_expr)
                    using errcode = 'OR031',
                    detail = format('%s: %s is not a value, a range or a step',
                        v_field_names[v_field], quote_literal(v_term)),
                    hint = v_hint;
            end if;
            if v_parts[1] is not null then
                v_from := v_lows[v_field];
                v_to := v_highs[v_field];
            else
                foreach v_text in array array_remove(array[v_parts[2], v_parts[3]], null) loop
                    v_to := case
                        when v_text ~ '^[0-9]+$' then case when length(ltrim(v_text, '0')) > 2 then 100
                            else coalesce(nullif(ltrim(v_text, '0'), '')::integer, 0) end
                        when v_field = 4 then array_position(v_month_names, v_text)
                        when v_field = 5 then array_position(v_day_names, v_text) - 1
                    end;
                    if v_to is null or v_to < v_lows[v_field] or v_to > v_highs[v_field] then
                        raise exception 'invalid cron expression %', quote_literal(p_expr)
                            using errcode = 'OR031',
                            detail = format('%s: %s is not a value from %s to %s%s',
                                v_field_names[v_field], quote_literal(v_text),
                                v_lows[v_field], v_highs[v_field],
                                case v_field when 4 then ' or a month name'
                                    when 5 then ' (7 is Sunday) or a weekday name' else '' end),
                            hint = v_hint;
                    end if;
                    v_from := case when v_text = v_parts[2] then v_to else v_from end;
                end loop;
                if v_to < v_from then
                    raise exception 'invalid cron expression %', quote_literal(p_expr)
                        using errcode = 'OR031',
                        detail = format('%s: the range %s runs backwards',
                            v_field_names[v_field], quote_literal(v_term)),
                        hint = v_hint;
                end if;
                -- A single value with a step runs to the end of the field (cronsim's 5/15).
                if v_parts[3] is null and v_parts[4] is not null then
                    v_to := v_highs[v_field];
                end if;
            end if;
            v_step := case
                when v_parts[4] is null then 1
                when length(ltrim(v_parts[4], '0')) > 2 then 100
                else coalesce(nullif(ltrim(v_parts[4], '0'), ''), '0')::integer
            end;
            if v_step = 0 then
                raise exception 'invalid cron expression %', quote_literal(p_expr)
                    using errcode = 'OR031',
                    detail = format('%s: the step of %s is zero', v_field_names[v_field], quote_literal(v_term)),
                    hint = v_hint;
            end if;
            -- Every v_step-th value from v_from to v_to: a pattern of bits v_step apart,
            -- doubled until it spans the field, shifted to the start and cut at the end.
            v_pattern := case when v_step = 1 then (1::bigint << 60) - 1 else 1 end;
            v_width := v_step;
            while v_width < 60 and v_step > 1 loop
                v_pattern := (v_pattern | (v_pattern << v_width)) & ((1::bigint << 60) - 1);
                v_width := v_width * 2;
            end loop;
            v_masks[v_field] := v_masks[v_field]
                | ((v_pattern << v_from) & ((2::bigint << v_to) - 1));
        end loop;
    end loop;

    minutes := v_masks[1];
    hours := v_masks[2];
    days := v_masks[3];
    months := v_masks[4];
    weekdays := (v_masks[5] | (v_masks[5] >> 7)) & 127;
    -- Debian cron: a day-of-month or day-of-week field that starts with * does not
    -- restrict; when both restrict, a day matching either runs (they are OR-ed).
    dom_restricted := left(v_fields[3], 1) <> '*';
    dow_restricted := left(v_fields[5], 1) <> '*';
    -- Debian cron's daylight-saving rules treat a schedule whose minute and hour fields do
    -- not start with * as one at fixed times (see public.cron_next_run).
    fixed_time := left(v_fields[1], 1) <> '*' and left(v_fields[2], 1) <> '*';

    if not (dom_restricted and dow_restricted) then
        v_longest_month := case
            when months & 5546 <> 0 then 31  -- jan, mar, may, jul, aug, oct, dec
            when months & 2640 <> 0 then 30  -- apr, jun, sep, nov
            else 29
        end;
        if days & ((2::bigint << v_longest_month) - 1) = 0 then
            raise exception 'cron expression % can never fire', quote_literal(p_expr)
                using errcode = 'OR031',
                detail = format('day of month: no month the month field allows (%s) has a day %s',
                    quote_literal(v_fields[4]), quote_literal(v_fields[3])),
                hint = 'pick a day every month allowed has, or restrict the day of week too (then either matching runs)';
        end if;
    end if;
end
$$;

comment on function orchable._cron_fields(text) is
'Parses a five-field cron expression (or a macro such as @daily) into bit masks of the allowed minutes, hours, days of month, months and days of week (0 = Sunday; 7 folds into 0), whether the day-of-month and day-of-week fields restrict (both: a day matching either runs), and whether the schedule counts as fixed-time for daylight saving (neither minute nor hour starts with *). Raises OR031, naming the field, for a malformed expression or one that can never fire.';

revoke all on function orchable._cron_fields(text) from public, anon, authenticated, service_role;

-- functions/monitors/0900_cron_next_run.sql
-- SECURITY DEFINER: the parser (orchable._cron_fields) lives in the private schema, out of
-- the API roles' reach; this function reads no table and writes nothing.
--
-- When a cron schedule next fires after p_after, in p_timezone, by the rules of cronsim
-- (the Python package, which follows Debian cron). The search steps field by field on the
-- local wall clock, as cronsim does: to the next allowed month, the next matching day, hour,
-- minute. Daylight saving, as cronsim has it:
--   * A fixed-time schedule (neither the minute nor the hour field starts with *) is searched
--     on the wall clock alone. A time the clock skips runs at the jump (the first minute that
--     exists after it); a time the clock repeats runs once, at its first occurrence.
--   * Any other schedule walks real time: each step moves the instant and reads the wall
--     clock again, so a repeated hour runs twice and a skipped one never.
-- On a day far from any transition both are plain wall-clock arithmetic. On a day near one,
-- the zone is modelled by its two offsets and the instant of the change (found once, by
-- bisection), and cronsim's steps are replayed an hour or a minute at a time, reading skipped
-- and repeated wall times as Python does (fold 0: the offset before the change).
-- Where cronsim answers with a time at or before p_after, it is not followed:
--   * A fixed-time schedule asked from the second pass of a repeated hour: the times left in
--     that hour ran in the first pass; the next run is after the repeated time.
--   * A schedule that is not fixed-time, when cronsim's step back to the top of the hour
--     crosses a transition not on the hour (Pacific/Chatham's at :45) and it goes back in
--     time for ever: the runs are the wall times that match, instant by instant, up to two
--     hours past the repeated time, and cronsim's steps from there.
create or replace function orchable_rpc.cron_next_run(p_expr text, p_after timestamptz, p_timezone text default 'UTC')
returns timestamptz
language plpgsql
stable
strict
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_minutes bigint;
    v_hours bigint;
    v_days bigint;
    v_months bigint;
    v_weekdays bigint;
    v_days_or boolean;
    v_fixed_time boolean;
    v_single_minute integer;
    -- Instants are timestamps in UTC, wall-clock times timestamps in p_timezone.
    v_after timestamp;
    v_start timestamp;
    v_w timestamp;
    v_fold boolean := false;
    v_u timestamp;
    v_aware boolean;
    v_literal boolean := false;
    v_step text;
    v_phase integer := 0;
    v_start_year integer;
    v_passes integer := 0;
    -- The zone around local day v_model_day: offset v_o1 before instant v_t, v_o2 from it on
    -- (v_t = -infinity when the offset holds the whole window).
    v_model_day date;
    v_o1 interval;
    v_o2 interval;
    v_t timestamp;
    v_lo timestamp;
    v_hi timestamp;
    v_mid timestamp;
    -- The search after cronsim went back in time.
    v_fallback_t timestamp;
    v_fallback_o1 interval;
    v_fallback_o2 interval;
    v_fallback_end timestamp;
    v_segment_offset interval;
    v_segment_end timestamp;
    v_last timestamp;
    v_result timestamp;
    v_value integer;
    v_bits bigint;
    v_first timestamp;
    v_weekday integer;
    v_rotated bigint;
begin
    if not isfinite(p_after) then
        return null;
    end if;
    select f.minutes, f.hours, f.days, f.months, f.weekdays, f.dom_restricted and f.dow_restricted, f.fixed_time
    into v_minutes, v_hours, v_days, v_months, v_weekdays, v_days_or, v_fixed_time
    from orchable._cron_fields(p_expr) as f;
    v_single_minute := case when v_minutes & (v_minutes - 1) = 0
        then bit_count(((v_minutes & -v_minutes) - 1)::bit(64))::integer else -1 end;

    v_after := timezone('UTC', p_after);
    v_start := date_trunc('second', v_after);
    begin
        v_w := timezone(p_timezone, timezone('UTC', v_start));
    exception when invalid_parameter_value then
        raise exception 'unknown time zone %', quote_literal(p_timezone)
            using errcode = 'OR031',
            detail = format('time zone: %s is not a time zone PostgreSQL knows', quote_literal(p_timezone)),
            hint = 'use an IANA time zone name, such as ''Europe/Berlin'' or ''UTC'' (see pg_timezone_names)';
    end;
    -- cronsim drops the fraction of a second and steps one second on.
    v_aware := not v_fixed_time;
    if v_aware then
        v_u := v_start + interval '1 second';
        v_w := timezone(p_timezone, timezone('UTC', v_u));
        v_step := 'start_aware';
    else
        v_w := v_w + interval '1 second';
        v_step := 'advance';
        v_start_year := extract(year from v_w)::integer;
    end if;

    loop
        v_passes := v_passes + 1;
        if v_passes > 10000 then
            raise exception 'cron_next_run found no next run of %', quote_literal(p_expr)
                using errcode = 'XX000', detail = format('p_after=%s, p_timezone=%s', p_after, p_timezone),
                hint = 'this is a bug in orchable: report the expression, instant and time zone';
        end if;

        -- The zone model of the wall clock's day, when the step reads the zone.
        if (v_step <> 'advance' or v_aware) and v_model_day is distinct from v_w::date then
            v_model_day := v_w::date;
            -- Every instant whose wall time falls on the day, or up to two hours after it.
            v_lo := v_model_day - interval '15 hours';
            v_hi := v_model_day + interval '38 hours';
            v_o1 := timezone(p_timezone, timezone('UTC', v_lo)) - v_lo;
            v_o2 := timezone(p_timezone, timezone('UTC', v_hi)) - v_hi;
            if v_o1 = v_o2 then
                v_t := '-infinity';
            else
                while v_hi - v_lo > interval '1 second' loop
                    v_mid := v_lo + make_interval(secs => floor(extract(epoch from v_hi - v_lo) / 2));
                    if timezone(p_timezone, timezone('UTC', v_mid)) - v_mid = v_o1 then
                        v_lo := v_mid;
                    else
                        v_hi := v_mid;
                    end if;
                end loop;
                v_t := v_hi;
            end if;
        end if;

        if v_step = 'start_aware' then
            -- The wall time v_w of instant v_u; fold: v_u is the second pass of a repeated time.
            v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
            v_step := 'advance';
            v_start_year := extract(year from v_w)::integer;
            continue;
        end if;

        if v_step = 'advance' then
            -- One pass of cronsim's advance(): the first field that does not match moves on.
            if extract(year from v_w) > v_start_year + 50 then
                return null;  -- cronsim gives up too; _cron_fields refuses what can never fire
            end if;

            v_value := extract(month from v_w)::integer;
            if (v_months >> v_value) & 1 = 0 then
                v_bits := v_months & ~((2::bigint << v_value) - 1);
                v_w := make_timestamp(
                    extract(year from v_w)::integer + (v_bits = 0)::integer,
                    bit_count(((case when v_bits = 0 then v_months else v_bits end
                        & -(case when v_bits = 0 then v_months else v_bits end)) - 1)::bit(64))::integer,
                    1, 0, 0, 0
                );
                v_fold := false;
                continue;
            end if;

            v_value := extract(day from v_w)::integer;
            v_weekday := extract(dow from v_w)::integer;
            if not (case when v_days_or
                then (v_days >> v_value) & 1 = 1 or (v_weekdays >> v_weekday) & 1 = 1
                else (v_days >> v_value) & 1 = 1 and (v_weekdays >> v_weekday) & 1 = 1 end)
            then
                -- The days of this month that match, as bits: the weekday mask turned to start
                -- on the 1st's weekday and repeated, then and-ed or or-ed with the day mask.
                v_first := date_trunc('month', v_w);
                v_weekday := extract(dow from v_first)::integer;
                v_rotated := ((v_weekdays >> v_weekday) | (v_weekdays << (7 - v_weekday))) & 127;
                v_bits := (v_rotated | (v_rotated << 7) | (v_rotated << 14) | (v_rotated << 21) | (v_rotated << 28)) << 1;
                v_bits := case when v_days_or then v_days | v_bits else v_days & v_bits end
                    & ((2::bigint << (32 - extract(day from v_first + interval '31 days')::integer)) - 2)
                    & ~((2::bigint << v_value) - 1);
                v_w := v_first + case when v_bits = 0 then interval '1 month'
                    else make_interval(days => bit_count(((v_bits & -v_bits) - 1)::bit(64))::integer - 1) end;
                v_fold := false;
                continue;
            end if;

            -- Near a transition, cronsim's steps walk real time one hour or minute at a time.
            v_literal := v_aware and v_t <> '-infinity';

            v_value := extract(hour from v_w)::integer;
            if (v_hours >> v_value) & 1 = 0 then
                if not v_literal then
                    v_bits := v_hours & ~((2::bigint << v_value) - 1);
                    v_w := date_trunc('day', v_w) + case when v_bits = 0 then interval '1 day'
                        else make_interval(hours => bit_count(((v_bits & -v_bits) - 1)::bit(64))::integer) end;
                else
                    v_w := date_trunc('hour', v_w);
                    v_u := case
                        when (v_w - v_o1 < v_t) = (v_w - v_o2 >= v_t)
                            then case when v_fold then v_w - v_o2 else v_w - v_o1 end
                        when v_w - v_o1 < v_t then v_w - v_o1
                        else v_w - v_o2
                    end;
                    loop
                        v_u := v_u + interval '1 hour';
                        v_w := v_u + case when v_u < v_t then v_o1 else v_o2 end;
                        v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
                        v_value := extract(hour from v_w)::integer;
                        exit when (v_hours >> v_value) & 1 = 1 or v_value = 0;
                    end loop;
                end if;
                continue;
            end if;

            v_value := extract(minute from v_w)::integer;
            if (v_minutes >> v_value) & 1 = 0 then
                v_w := date_trunc('minute', v_w);
                if not v_literal and v_single_minute >= 0 then
                    v_w := v_w + make_interval(mins => (v_single_minute - v_value + 60) % 60);
                elsif not v_literal then
                    v_bits := v_minutes & ~((2::bigint << v_value) - 1);
                    v_w := date_trunc('hour', v_w) + case when v_bits = 0 then interval '1 hour'
                        else make_interval(mins => bit_count(((v_bits & -v_bits) - 1)::bit(64))::integer) end;
                else
                    v_u := case
                        when (v_w - v_o1 < v_t) = (v_w - v_o2 >= v_t)
                            then case when v_fold then v_w - v_o2 else v_w - v_o1 end
                        when v_w - v_o1 < v_t then v_w - v_o1
                        else v_w - v_o2
                    end;
                    if v_single_minute >= 0 then
                        v_u := v_u + make_interval(mins => (v_single_minute - v_value + 60) % 60);
                        v_w := v_u + case when v_u < v_t then v_o1 else v_o2 end;
                        v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
                        v_value := extract(minute from v_w)::integer;
                    end if;
                    while (v_minutes >> v_value) & 1 = 0 loop
                        v_u := v_u + interval '1 minute';
                        v_w := v_u + case when v_u < v_t then v_o1 else v_o2 end;
                        v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
                        v_value := extract(minute from v_w)::integer;
                        exit when v_value = 0;
                    end loop;
                end if;
                continue;
            end if;

            if v_w <> date_trunc('minute', v_w) then
                if not v_literal then
                    v_w := date_trunc('minute', v_w) + interval '1 minute';
                else
                    v_u := case
                        when (v_w - v_o1 < v_t) = (v_w - v_o2 >= v_t)
                            then case when v_fold then v_w - v_o2 else v_w - v_o1 end
                        when v_w - v_o1 < v_t then v_w - v_o1
                        else v_w - v_o2
                    end + make_interval(secs => 60 - extract(second from v_w)::double precision);
                    v_w := v_u + case when v_u < v_t then v_o1 else v_o2 end;
                    v_fold := v_o2 < v_o1 and v_u >= v_t and v_u < v_t + (v_o1 - v_o2);
                end if;
                continue;
            end if;

            v_step := 'found';
            continue;
        end if;

        if v_step = 'found' and v_phase = 0 and not v_aware then
            -- A wall time the clock skips runs at the jump: cronsim adds minutes until it exists.
            if not (v_w - v_o1 < v_t) and not (v_w - v_o2 >= v_t) then
                v_w := v_w + make_interval(mins => ceil(extract(epoch from v_t + v_o2 - v_w) / 60)::integer);
            end if;
            -- A repeated wall time runs at its first occurrence.
            v_result := case when v_w - v_o1 < v_t then v_w - v_o1 else v_w - v_o2 end;
            if v_result > v_after then
                return timezone('UTC', v_result);
            end if;
            -- Asked from the second pass of a repeated hour: the runs left in that hour were
            -- in the first pass. Go on from the end of the repeated time.
            v_w := greatest(v_w + interval '1 second', v_t + v_o1);
            v_step := 'advance';
            v_start_year := extract(year from v_w)::integer;
        elsif v_step = 'found' and v_phase in (0, 3) then
            v_result := case
                when (v_w - v_o1 < v_t) = (v_w - v_o2 >= v_t)
                    then case when v_fold then v_w - v_o2 else v_w - v_o1 end
                when v_w - v_o1 < v_t then v_w - v_o1
                else v_w - v_o2
            end;
            if v_result > v_after then
                return timezone('UTC', v_result);
            elsif v_phase = 3 then
                return timezone('UTC', v_last);
            end if;
            -- cronsim went back in time (its step to the top of the hour crossed a transition
            -- not on the hour): look for the wall times that match, instant by instant.
            v_u := v_start + interval '1 second';
            v_w := timezone(p_timezone, timezone('UTC', v_u));
            v_step := 'fallback';
        elsif v_step = 'fallback' then
            v_fallback_t := v_t;
            v_fallback_o1 := v_o1;
            v_fallback_o2 := v_o2;
            v_fallback_end := case when v_t = '-infinity' then v_u
                else v_t + greatest(v_o1 - v_o2, interval '0') end + interval '2 hours';
            v_aware := false;
            if v_u < v_t then
                -- Before the transition: wall times at offset v_o1, up to the transition.
                v_w := v_u + v_o1;
                v_segment_offset := v_o1;
                v_segment_end := v_t;
                v_phase := 1;
                v_step := 'advance';
                v_start_year := extract(year from v_w)::integer;
            else
                v_step := 'after_transition';
            end if;
        elsif v_step = 'after_transition' or (v_step = 'found' and v_phase = 1 and v_w - v_segment_offset >= v_segment_end) then
            -- After it: wall times at offset v_o2, up to two hours past the repeated time.
            v_w := greatest(v_u, v_fallback_t) + v_fallback_o2;
            v_segment_offset := v_fallback_o2;
            v_segment_end := v_fallback_end;
            v_phase := 2;
            v_step := 'advance';
            v_start_year := extract(year from v_w)::integer;
        elsif v_step = 'found' and v_phase in (1, 2) then
            v_last := v_w - v_segment_offset;
            if v_last < v_segment_end then
                return timezone('UTC', v_last);
            end if;
            -- Past the transition, cronsim's steps move forward again.
            v_u := greatest(v_fallback_end, v_u);
            v_w := timezone(p_timezone, timezone('UTC', v_u));
            v_aware := true;
            v_phase := 3;
            v_step := 'start_aware';
        end if;
    end loop;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above.
create or replace function public.cron_next_run(p_expr text, p_after timestamptz, p_timezone text default 'UTC')
returns timestamptz
language plpgsql
stable
strict
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.cron_next_run(p_expr, p_after, p_timezone);
end
$$;

comment on function orchable_rpc.cron_next_run(text, timestamptz, text) is
'The implementation of public.cron_next_run, run with its owner''s rights (the parser is private); callable by the roles that may call public.cron_next_run.';

comment on function public.cron_next_run(text, timestamptz, text) is
'The first time strictly after p_after that a five-field cron expression fires, in time zone p_timezone (UTC by default). Fields: minute hour day-of-month month day-of-week, with lists, ranges, steps, month and weekday names, 7 as Sunday, and the macros @yearly @annually @monthly @weekly @daily @midnight @hourly; when both day fields are restricted a day matching either runs. Daylight saving follows Debian cron (and the cronsim package): a fixed time in a skipped hour runs at the jump, a fixed time in a repeated hour runs once, a schedule whose minute or hour field starts with * runs in both passes of a repeated hour. A malformed expression, one that can never fire, or an unknown time zone raises OR031 naming the field; null for a null argument or an infinite p_after.';

revoke all on function orchable_rpc.cron_next_run(text, timestamptz, text)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.cron_next_run(text, timestamptz, text)
to authenticated, service_role;
revoke all on function public.cron_next_run(text, timestamptz, text)
from public, anon, authenticated, service_role;
grant execute on function public.cron_next_run(text, timestamptz, text)
to authenticated, service_role;

-- functions/monitors/0905__check_schedule.sql
-- A schedule as a monitor or trigger saves it: a cron expression that can fire (any
-- problem raised by orchable._cron_fields, naming the field) in a time zone PostgreSQL
-- knows by its IANA name. cron_next_run itself also takes abbreviations and POSIX zones
-- ('UTC+3' is three hours west); a saved schedule takes names only.
create or replace function orchable._check_schedule(p_schedule text, p_timezone text)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    if p_schedule is null or btrim(p_schedule) = '' then
        raise exception 'a schedule is required'
            using errcode = 'OR031', detail = 'fields: no schedule',
            hint = 'give a five-field cron expression such as ''0 9 * * mon-fri'', or @daily';
    end if;
    perform orchable._cron_fields(p_schedule);
    if not exists (select from pg_catalog.pg_timezone_names as z where z.name = p_timezone) then
        raise exception 'unknown time zone %', coalesce(quote_literal(p_timezone), 'null')
            using errcode = 'OR031', detail = format('time zone: %s', coalesce(p_timezone, 'null')),
            hint = 'use an IANA name such as UTC, Europe/Berlin or America/New_York';
    end if;
end
$$;

comment on function orchable._check_schedule(text, text) is
'Raises OR031, naming the field, unless p_schedule is a cron expression that can fire and p_timezone an IANA time zone name.';

-- functions/monitors/0910__monitor_pipeline.sql
-- The pipeline an owner's monitor runs are launched in, made on their first run: one
-- grounded_search stage whose prompt asks for the verdict with the facts to compare next
-- time. It is an ordinary pipeline of theirs ("monitors (orchable)"): its costs, batches
-- and tasks show as any other's, and an owner who edits its prompt edits every monitor's.
create or replace function orchable._monitor_pipeline(p_owner_id uuid)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_name constant text := 'monitors (orchable)';
    v_id uuid;
begin
    select o.id into v_id from public.orchestrators as o where o.owner_id = p_owner_id and o.name = v_name;
    if found then
        return v_id;
    end if;
    return (orchable_rpc.upsert_orchestrator(jsonb_build_object(
        'name', v_name,
        'owner_id', p_owner_id,
        'description', 'The runs of your monitors: one grounded web search per run (made by orchable).',
        'entry', 'check',
        'stages', jsonb_build_array(jsonb_build_object(
            'key', 'check',
            'kind', 'grounded_search',
            'max_retries', 2,
            'template', concat_ws(e'\n',
                'It is {{now}}. Search the web to answer: {{search_query}}',
                'Then judge whether this holds, on what your sources say: {{condition_description}}',
                'At the last check ({{last_checked_at}}) the known facts were: {{last_known_state}}',
                'Report only what sources published; say so when they do not answer the question.',
                'answer: 2 to 4 sentences. condition_met: true only if the sources show it.',
                'reasoning: why. current_state: the facts that matter, as a flat JSON object with',
                'the same keys as before where they still apply, to compare with the next check.'
            ),
            'output_schema', jsonb_build_object(
                'type', 'object',
                'properties', jsonb_build_object(
                    'answer', jsonb_build_object('type', 'string'),
                    'condition_met', jsonb_build_object('type', 'boolean'),
                    'reasoning', jsonb_build_object('type', 'string'),
                    'current_state', jsonb_build_object('type', 'object')
                ),
                'required', jsonb_build_array('answer', 'condition_met', 'reasoning', 'current_state')
            )
        ))
    ))).id;
end
$$;

comment on function orchable._monitor_pipeline(uuid) is
'The id of the owner''s "monitors (orchable)" pipeline (one grounded_search stage, "check"), made on first use.';

-- functions/monitors/0915__start_monitor_run.sql
-- Starts one run of a monitor: its execution record, and a batch of the owner's monitor
-- pipeline whose one task searches (orchable._monitor_pipeline). The run's input carries
-- what the monitor knows, for the prompt to compare with; the monitor's config picks the
-- model. Settled by orchable.tg_task_batches__settle_monitor_run when the batch ends.
create or replace function orchable._start_monitor_run(
    p_monitor public.monitors,
    p_scheduled_for timestamptz,
    p_dry_run boolean
)
returns public.monitor_executions
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_execution public.monitor_executions;
    v_batch public.task_batches;
begin
    -- Time-ordered ids: a monitor's runs started in one transaction still sort in order.
    insert into public.monitor_executions (id, monitor_id, owner_id, scheduled_for, dry_run)
    values (orchable.time_ordered_uuid(), p_monitor.id, p_monitor.owner_id, p_scheduled_for, p_dry_run)
    returning * into v_execution;
    v_batch := orchable_rpc.launch_batch(
        orchable._monitor_pipeline(p_monitor.owner_id),
        jsonb_build_array(jsonb_build_object(
            'monitor_id', p_monitor.id,
            'execution_id', v_execution.id,
            'search_query', p_monitor.search_query,
            'condition_description', p_monitor.condition_description,
            'last_known_state', coalesce(p_monitor.last_known_state, '"nothing yet: this is the first check"'),
            'last_checked_at', coalesce(to_char(p_monitor.last_run_at at time zone p_monitor.timezone,
                'YYYY-MM-DD HH24:MI'), 'never'),
            'now', to_char(now() at time zone p_monitor.timezone, 'YYYY-MM-DD HH24:MI')
                || ' (' || p_monitor.timezone || ')'
        )),
        left(p_monitor.name, 150) || ': ' || case when p_dry_run then 'dry run' else 'run' end,
        jsonb_build_object('ai_settings', jsonb_strip_nulls(jsonb_build_object(
            'model', p_monitor.config -> 'model',
            'fallback_models', p_monitor.config -> 'fallback_models'
        ))),
        'monitor run ' || v_execution.id
    );
    update public.monitor_executions as e
    set
        batch_id = v_batch.id,
        task_id = (select t.id from public.ai_tasks as t where t.batch_id = v_batch.id)
    where e.id = v_execution.id
    returning * into v_execution;
    return v_execution;
end
$$;

comment on function orchable._start_monitor_run(public.monitors, timestamptz, boolean) is
'Records a monitor execution and launches its run (one grounded_search task in a batch of its own); p_dry_run: the run notifies no one and changes nothing the monitor knows.';

-- functions/monitors/0920__normalized_state.sql
-- What a run found, in the form two runs are compared in: keys and strings trimmed and
-- lower-cased, runs of white space made one, nulls dropped, so that "Sept 19 " and
-- "sept 19" are one state and a key the model left null is no key at all.
create or replace function orchable._normalized_state(p_state jsonb)
returns jsonb
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$
    select case jsonb_typeof(p_state)
        when 'object' then coalesce((
            select jsonb_object_agg(lower(btrim(e.key)), orchable._normalized_state(e.value))
            from jsonb_each(p_state) as e
            where jsonb_typeof(e.value) <> 'null'
        ), '{}')
        when 'array' then coalesce((
            select jsonb_agg(orchable._normalized_state(a.value) order by a.ordinality)
            from jsonb_array_elements(p_state) with ordinality as a (value, ordinality)
        ), '[]')
        when 'string' then to_jsonb(lower(regexp_replace(btrim(p_state #>> '{}'), '\s+', ' ', 'g')))
        else p_state
    end
$$;

comment on function orchable._normalized_state(jsonb) is
'A monitor state as runs are compared: keys and strings trimmed, lower-cased and with single spaces, nulls dropped.';

-- functions/monitors/0925__state_changes.sql
-- What changed between two normalized states, for a person: one "key: before -> after"
-- per top-level key that differs, in key order.
create or replace function orchable._state_changes(p_before jsonb, p_after jsonb)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$
    select string_agg(
        format('%s: %s -> %s', k.key,
            coalesce(left(p_before -> k.key #>> '{}', 200), 'none'),
            coalesce(left(p_after -> k.key #>> '{}', 200), 'none')),
        '; ' order by k.key
    )
    from (
        select jsonb_object_keys(p_before) as key
        union
        select jsonb_object_keys(p_after)
    ) as k
    where (p_before -> k.key) is distinct from (p_after -> k.key)
$$;

comment on function orchable._state_changes(jsonb, jsonb) is
'The top-level keys whose values differ between two monitor states, as "key: before -> after; ..."; null when none do.';

-- functions/monitors/0930__tg_task_batches__settle_monitor_run.sql
-- A monitor run's batch changed status: its execution follows (running at the first
-- claim), and when it ends the run is settled here, deterministically, in the transaction
-- that ended it:
--   * success: the verdict (the task's output) and the grounding (its provenance) are kept;
--     the state found is normalized and compared with the one the monitor knew; then
--     notify_behavior decides: once notifies the first time the condition is met (and the
--     monitor is completed), always on every run where it is met, track_state whenever
--     the known state changes (the first run only sets it). An ungrounded answer notifies
--     no one unless config.notify_ungrounded, and changes nothing the monitor knows; muted,
--     snoozed and dry runs notify no one. condition_met, last_known_state and
--     last_notified_at record what happened.
--   * failed: nothing the monitor knows changes; after config.failure_alert_after (3)
--     failed runs in a row the run notifies the owner of the failures, once per streak.
-- Every execution says why it did or did not notify (notify_reason).
create or replace function orchable.tg_task_batches__settle_monitor_run()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_execution public.monitor_executions;
    v_monitor public.monitors;
    v_task public.ai_tasks;
    v_grounding jsonb;
    v_grounded boolean;
    v_found jsonb;
    v_known jsonb;
    v_changes text;
    v_condition boolean;
    v_reason text;
    v_notify boolean := false;
    v_failures integer;
begin
    select * into v_execution from public.monitor_executions as e where e.batch_id = new.id for update;
    if not found then
        return null;
    end if;
    if new.status = 'processing' then
        update public.monitor_executions set status = 'running' where id = v_execution.id and status = 'pending';
        return null;
    end if;
    if new.status not in ('completed', 'failed', 'cancelled') or v_execution.status in ('success', 'failed', 'cancelled') then
        return null;
    end if;
    select * into v_monitor from public.monitors as m where m.id = v_execution.monitor_id for update;
    select * into v_task from public.ai_tasks as t where t.id = v_execution.task_id;

    if new.status = 'cancelled' then
        update public.monitor_executions
        set status = 'cancelled', completed_at = now(), notify_reason = 'cancelled'
        where id = v_execution.id;
        return null;
    end if;

    if new.status = 'failed' then
        v_failures := v_monitor.consecutive_failures + (not v_execution.dry_run)::integer;
        v_notify := not v_execution.dry_run
            and v_failures = coalesce((v_monitor.config ->> 'failure_alert_after')::integer, 3);
        update public.monitor_executions
        set
            status = 'failed',
            completed_at = now(),
            error_message = coalesce(v_task.error_message, 'the run failed'),
            cost_usd = new.spent_usd,
            notified = v_notify,
            notify_reason = case when v_notify then 'failures' else 'failed' end
        where id = v_execution.id;
        update public.monitors
        set
            consecutive_failures = v_failures,
            last_notified_at = case when v_notify then now() else last_notified_at end,
            updated_at = now()
        where id = v_monitor.id;
        return null;
    end if;

    v_grounding := coalesce(v_task.provenance -> 'grounding', '{}');
    v_grounded := coalesce((v_grounding ->> 'grounded')::boolean, false);
    v_condition := coalesce((v_task.output_data ->> 'condition_met')::boolean, false);
    v_found := orchable._normalized_state(coalesce(v_task.output_data -> 'current_state', '{}'));
    v_known := orchable._normalized_state(v_monitor.last_known_state);
    v_changes := case
        when v_monitor.last_known_state is null then 'first check: nothing known before'
        when v_found = v_known then null
        else orchable._state_changes(v_known, v_found)
    end;

    v_reason := case v_monitor.notify_behavior
        when 'track_state' then case
            when v_monitor.last_known_state is null then 'first_state'
            when v_found = v_known then 'unchanged'
            else 'state_changed'
        end
        else case
            when not v_condition then 'condition_not_met'
            when v_monitor.state = 'completed' then 'already_notified'
            else 'condition_met'
        end
    end;
    v_notify := v_reason in ('condition_met', 'state_changed');
    if v_notify then
        v_reason := case
            when not v_grounded and not coalesce((v_monitor.config ->> 'notify_ungrounded')::boolean, false)
                then 'ungrounded'
            when v_execution.dry_run then 'dry_run'
            when v_monitor.muted then 'muted'
            when v_monitor.snoozed_until > now() then 'snoozed'
            else v_reason
        end;
        v_notify := v_reason in ('condition_met', 'state_changed');
    end if;

    update public.monitor_executions
    set
        status = 'success',
        completed_at = now(),
        result = v_task.output_data,
        condition_met = v_condition,
        change_summary = coalesce(v_changes, 'unchanged'),
        grounded = v_grounded,
        grounding_sources = v_grounding -> 'sources',
        search_queries = array(select jsonb_array_elements_text(coalesce(v_grounding -> 'search_queries', '[]'))),
        search_entry_point = v_grounding ->> 'search_entry_point',
        cost_usd = new.spent_usd,
        notified = v_notify,
        notify_reason = v_reason
    where id = v_execution.id;

    if not v_execution.dry_run and (v_grounded or coalesce((v_monitor.config ->> 'notify_ungrounded')::boolean, false)) then
        update public.monitors
        set
            condition_met = v_condition,
            last_known_state = v_task.output_data -> 'current_state',
            last_notified_at = case when v_notify then now() else last_notified_at end,
            consecutive_failures = 0,
            state = case when v_notify and notify_behavior = 'once' then 'completed' else state end,
            next_run_at = case when v_notify and notify_behavior = 'once' then null else next_run_at end,
            updated_at = now()
        where id = v_monitor.id;
    elsif not v_execution.dry_run then
        update public.monitors set consecutive_failures = 0, updated_at = now() where id = v_monitor.id;
    end if;
    return null;
end
$$;

comment on function orchable.tg_task_batches__settle_monitor_run() is
'Settles a monitor run when its batch changes status: running, then the verdict compared with what the monitor knew and the notify decision (success), the failure streak (failed), or cancelled.';

drop trigger if exists task_batches_50_settle_monitor_run on public.task_batches;
create trigger task_batches_50_settle_monitor_run
after update of status on public.task_batches
for each row
when (old.status is distinct from new.status)
execute function orchable.tg_task_batches__settle_monitor_run();

-- functions/monitors/0940__insert_monitor.sql
-- A new monitor of p_owner_id, checked and scheduled: the schedule and zone (OR031, naming
-- the field), the texts and the behaviour (OR003), the config's keys and types (OR003);
-- its first run is the schedule's first time from now. The one way monitors are made
-- (create_monitor, create_monitor_from_template).
create or replace function orchable._insert_monitor(
    p_owner_id uuid,
    p_name text,
    p_search_query text,
    p_condition_description text,
    p_schedule text,
    p_timezone text,
    p_notify_behavior text,
    p_config jsonb,
    p_template_id uuid
)
returns public.monitors
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_config_keys constant text [] := array['model', 'fallback_models', 'notify_ungrounded', 'failure_alert_after'];
    v_problem text;
    v_monitor public.monitors;
begin
    v_problem := case
        when coalesce(btrim(p_name), '') = '' or length(p_name) > 200 then 'p_name must be 1 to 200 characters'
        when coalesce(btrim(p_search_query), '') = '' or length(p_search_query) > 2000 then
            'p_search_query must be 1 to 2000 characters'
        when coalesce(btrim(p_condition_description), '') = '' or length(p_condition_description) > 2000 then
            'p_condition_description must be 1 to 2000 characters'
        when p_notify_behavior is null or p_notify_behavior not in ('once', 'always', 'track_state') then
            format('p_notify_behavior %s is not once, always or track_state', coalesce(quote_literal(p_notify_behavior), 'null'))
        when jsonb_typeof(p_config) is distinct from 'object' then 'p_config must be a JSON object'
        when exists (select from jsonb_object_keys(p_config) as k (name) where k.name <> all(v_config_keys)) then
            format('p_config has key %s, which monitors do not know (they know %s)',
                (select quote_literal(min(k.name)) from jsonb_object_keys(p_config) as k (name)
                 where k.name <> all(v_config_keys)),
                array_to_string(v_config_keys, ', '))
        when jsonb_typeof(p_config -> 'model') not in ('string', 'null') then 'p_config.model must be a string'
        when jsonb_typeof(p_config -> 'fallback_models') not in ('array', 'null')
            or exists (select from jsonb_array_elements(coalesce(p_config -> 'fallback_models', '[]')) as f
                where jsonb_typeof(f) <> 'string') then
            'p_config.fallback_models must be an array of model names'
        when jsonb_typeof(p_config -> 'notify_ungrounded') not in ('boolean', 'null') then
            'p_config.notify_ungrounded must be true or false'
        when jsonb_typeof(p_config -> 'failure_alert_after') not in ('number', 'null')
            or (p_config ->> 'failure_alert_after')::numeric not between 1 and 100
            or (p_config ->> 'failure_alert_after')::numeric <> trunc((p_config ->> 'failure_alert_after')::numeric) then
            'p_config.failure_alert_after must be a whole number from 1 to 100'
    end;
    if v_problem is not null then
        raise exception 'invalid monitor: %', v_problem
            using errcode = 'OR003',
            hint = 'create_monitor(p_name, p_search_query, p_condition_description, p_schedule, p_timezone, p_notify_behavior, p_config)';
    end if;
    perform orchable._check_json_limits(p_config, 'p_config');
    perform orchable._check_schedule(p_schedule, p_timezone);

    insert into public.monitors (
        owner_id, name, search_query, condition_description, schedule, timezone, notify_behavior,
        config, template_id, next_run_at
    )
    values (
        p_owner_id, btrim(p_name), btrim(p_search_query), btrim(p_condition_description), btrim(p_schedule),
        p_timezone, p_notify_behavior, p_config, p_template_id,
        orchable_rpc.cron_next_run(btrim(p_schedule), now(), p_timezone)
    )
    returning * into v_monitor;
    return v_monitor;
end
$$;

comment on function orchable._insert_monitor(uuid, text, text, text, text, text, text, jsonb, uuid) is
'Checks a new monitor (OR031 for its schedule or zone, OR003 for the rest) and inserts it, scheduled for the first time its schedule fires from now.';

-- functions/monitors/0945__fill_placeholders.sql
-- A monitor template's text with each {name} replaced by p_values' name; a placeholder
-- without a value raises OR032 naming it.
create or replace function orchable._fill_placeholders(p_text text, p_values jsonb)
returns text
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_missing text;
    v_result text := p_text;
    v_name text;
begin
    select min(m[1]) into v_missing
    from regexp_matches(p_text, '\{([A-Za-z_][A-Za-z0-9_]*)\}', 'g') as m
    where p_values -> m[1] is null or jsonb_typeof(p_values -> m[1]) not in ('string', 'number');
    if v_missing is not null then
        raise exception 'no value for {%}', v_missing
            using errcode = 'OR032', detail = format('template text: %s', p_text),
            hint = format('pass p_values with "%s", e.g. {"%s": "..."}', v_missing, v_missing);
    end if;
    for v_name in select distinct m[1] from regexp_matches(p_text, '\{([A-Za-z_][A-Za-z0-9_]*)\}', 'g') as m loop
        v_result := replace(v_result, '{' || v_name || '}', p_values ->> v_name);
    end loop;
    return v_result;
end
$$;

comment on function orchable._fill_placeholders(text, jsonb) is
'Replaces each {name} in p_text with p_values ->> name; raises OR032 naming a placeholder without a string or number value.';

-- functions/monitors/0950_create_monitor.sql
-- SECURITY DEFINER: users may not insert monitors directly, so that every schedule is
-- checked and scheduled here.
create or replace function orchable_rpc.create_monitor(
    p_name text,
    p_search_query text,
    p_condition_description text,
    p_schedule text,
    p_timezone text default 'UTC',
    p_notify_behavior text default 'once',
    p_config jsonb default '{}',
    p_owner_id uuid default null
)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable._insert_monitor(
        orchable._owner_for(p_owner_id, 'create_monitor'), p_name, p_search_query,
        p_condition_description, p_schedule, p_timezone, p_notify_behavior, p_config, null
    );
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.create_monitor(
    p_name text,
    p_search_query text,
    p_condition_description text,
    p_schedule text,
    p_timezone text default 'UTC',
    p_notify_behavior text default 'once',
    p_config jsonb default '{}',
    p_owner_id uuid default null
)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.create_monitor(
        p_name, p_search_query, p_condition_description, p_schedule, p_timezone, p_notify_behavior,
        p_config, p_owner_id
    );
end
$$;

comment on function orchable_rpc.create_monitor(text, text, text, text, text, text, jsonb, uuid) is
'The implementation of public.create_monitor, run with its owner''s rights; callable by the roles that may call public.create_monitor.';

comment on function public.create_monitor(text, text, text, text, text, text, jsonb, uuid) is
'Creates a monitor of the signed-in user (service_role: of p_owner_id): every time p_schedule (five-field cron or a macro, in the IANA zone p_timezone) fires, a grounded web search answers p_search_query and judges p_condition_description; p_notify_behavior is once, always or track_state; p_config takes model, fallback_models, notify_ungrounded and failure_alert_after. A schedule that is malformed or can never fire, or an unknown zone, raises OR031 naming the field; other bad arguments OR003.';

revoke all on function orchable_rpc.create_monitor(text, text, text, text, text, text, jsonb, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.create_monitor(text, text, text, text, text, text, jsonb, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.create_monitor(text, text, text, text, text, text, jsonb, uuid)
to authenticated, service_role;
grant execute on function public.create_monitor(text, text, text, text, text, text, jsonb, uuid)
to authenticated, service_role;

-- functions/monitors/0955_create_monitor_from_template.sql
-- SECURITY DEFINER: templates are read for every user and monitors made as create_monitor
-- makes them.
create or replace function orchable_rpc.create_monitor_from_template(
    p_template_id uuid,
    p_values jsonb,
    p_name text default null,
    p_schedule text default null,
    p_timezone text default 'UTC',
    p_owner_id uuid default null
)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_template public.monitor_templates;
    v_query text;
begin
    select * into v_template from public.monitor_templates as t where t.id = p_template_id and t.state = 'active';
    if not found then
        raise exception 'monitor template % not found', p_template_id
            using errcode = 'OR033', hint = 'list the templates with select * from monitor_templates';
    end if;
    if jsonb_typeof(p_values) is distinct from 'object' then
        raise exception 'p_values must be a JSON object'
            using errcode = 'OR003', hint = 'pass the template''s placeholders, e.g. {"product": "iPhone 18"}';
    end if;
    v_query := orchable._fill_placeholders(v_template.search_query, p_values);
    return orchable._insert_monitor(
        orchable._owner_for(p_owner_id, 'create_monitor_from_template'),
        coalesce(p_name, left(v_template.name || ': ' || v_query, 200)),
        v_query,
        orchable._fill_placeholders(v_template.condition_description, p_values),
        coalesce(p_schedule, v_template.schedule),
        p_timezone,
        v_template.notify_behavior,
        v_template.config,
        v_template.id
    );
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.create_monitor_from_template(
    p_template_id uuid,
    p_values jsonb,
    p_name text default null,
    p_schedule text default null,
    p_timezone text default 'UTC',
    p_owner_id uuid default null
)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.create_monitor_from_template(
        p_template_id, p_values, p_name, p_schedule, p_timezone, p_owner_id
    );
end
$$;

comment on function orchable_rpc.create_monitor_from_template(uuid, jsonb, text, text, text, uuid) is
'The implementation of public.create_monitor_from_template, run with its owner''s rights; callable by the roles that may call public.create_monitor_from_template.';

comment on function public.create_monitor_from_template(uuid, jsonb, text, text, text, uuid) is
'Creates a monitor from an active template: its {placeholder}s filled from p_values (a missing one raises OR032 naming it), its schedule unless p_schedule is given, read in p_timezone; an unknown or paused template raises OR033. Otherwise as create_monitor.';

revoke all on function orchable_rpc.create_monitor_from_template(uuid, jsonb, text, text, text, uuid)
from public, anon, authenticated, service_role;
revoke all on function public.create_monitor_from_template(uuid, jsonb, text, text, text, uuid)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.create_monitor_from_template(uuid, jsonb, text, text, text, uuid)
to authenticated, service_role;
grant execute on function public.create_monitor_from_template(uuid, jsonb, text, text, text, uuid)
to authenticated, service_role;

-- functions/monitors/0960__lock_owned_monitor.sql
-- The caller's monitor, locked for an RPC that changes it; another user's raises OR034 as
-- an unknown one does, so ids of others' monitors cannot be probed.
create or replace function orchable._lock_owned_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors;
begin
    select * into v_monitor from public.monitors as m where m.id = p_monitor_id for update;
    if not found or not orchable._caller_owns(v_monitor.owner_id) then
        raise exception 'monitor % not found', p_monitor_id
            using errcode = 'OR034', hint = 'list your monitors with select * from monitors';
    end if;
    return v_monitor;
end
$$;

comment on function orchable._lock_owned_monitor(uuid) is
'Locks and returns the caller''s monitor; OR034 for a monitor that does not exist or is not theirs.';

-- functions/monitors/0965_pause_monitor.sql
-- SECURITY DEFINER: monitors change state through these RPCs only.
create or replace function orchable_rpc.pause_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors := orchable._lock_owned_monitor(p_monitor_id);
begin
    if v_monitor.state <> 'active' then
        raise exception 'monitor % is %, not active', p_monitor_id, v_monitor.state
            using errcode = 'OR007', hint = 'only an active monitor can be paused';
    end if;
    update public.monitors set state = 'paused', next_run_at = null, updated_at = now()
    where id = p_monitor_id
    returning * into v_monitor;
    return v_monitor;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.pause_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.pause_monitor(p_monitor_id);
end
$$;

comment on function orchable_rpc.pause_monitor(uuid) is
'The implementation of public.pause_monitor, run with its owner''s rights; callable by the roles that may call public.pause_monitor.';

comment on function public.pause_monitor(uuid) is
'Pauses the caller''s active monitor: no run starts until resume_monitor (a run already started goes on). OR034 for a monitor not theirs, OR007 unless active.';

revoke all on function orchable_rpc.pause_monitor(uuid) from public, anon, authenticated, service_role;
revoke all on function public.pause_monitor(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.pause_monitor(uuid) to authenticated, service_role;
grant execute on function public.pause_monitor(uuid) to authenticated, service_role;

-- functions/monitors/0970_resume_monitor.sql
-- SECURITY DEFINER: monitors change state through these RPCs only.
create or replace function orchable_rpc.resume_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors := orchable._lock_owned_monitor(p_monitor_id);
begin
    if v_monitor.state = 'active' then
        raise exception 'monitor % is already active', p_monitor_id
            using errcode = 'OR007', hint = 'resume a paused or completed monitor';
    end if;
    -- A completed (once) monitor starts over: told again the next time the condition holds.
    update public.monitors
    set
        state = 'active',
        next_run_at = orchable_rpc.cron_next_run(schedule, now(), timezone),
        consecutive_failures = 0,
        updated_at = now()
    where id = p_monitor_id
    returning * into v_monitor;
    return v_monitor;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.resume_monitor(p_monitor_id uuid)
returns public.monitors
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.resume_monitor(p_monitor_id);
end
$$;

comment on function orchable_rpc.resume_monitor(uuid) is
'The implementation of public.resume_monitor, run with its owner''s rights; callable by the roles that may call public.resume_monitor.';

comment on function public.resume_monitor(uuid) is
'Resumes the caller''s paused or completed monitor: scheduled again from now (runs missed while paused are not made up). OR034 for a monitor not theirs, OR007 when already active.';

revoke all on function orchable_rpc.resume_monitor(uuid) from public, anon, authenticated, service_role;
revoke all on function public.resume_monitor(uuid) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.resume_monitor(uuid) to authenticated, service_role;
grant execute on function public.resume_monitor(uuid) to authenticated, service_role;

-- functions/monitors/0975_run_monitor_now.sql
-- SECURITY DEFINER: runs start through tick() and this RPC only.
create or replace function orchable_rpc.run_monitor_now(p_monitor_id uuid, p_notify boolean default true)
returns public.monitor_executions
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_monitor public.monitors := orchable._lock_owned_monitor(p_monitor_id);
begin
    if p_notify is null then
        raise exception 'p_notify must be true or false'
            using errcode = 'OR003', hint = 'false makes a dry run, which notifies no one';
    end if;
    return orchable._start_monitor_run(v_monitor, null, not p_notify);
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.run_monitor_now(p_monitor_id uuid, p_notify boolean default true)
returns public.monitor_executions
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.run_monitor_now(p_monitor_id, p_notify);
end
$$;

comment on function orchable_rpc.run_monitor_now(uuid, boolean) is
'The implementation of public.run_monitor_now, run with its owner''s rights; callable by the roles that may call public.run_monitor_now.';

comment on function public.run_monitor_now(uuid, boolean) is
'Starts a run of the caller''s monitor now, whatever its state and schedule (which it leaves as they are); returns the execution. p_notify false makes a dry run: it notifies no one and changes nothing the monitor knows. OR034 for a monitor not theirs.';

revoke all on function orchable_rpc.run_monitor_now(uuid, boolean) from public, anon, authenticated, service_role;
revoke all on function public.run_monitor_now(uuid, boolean) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.run_monitor_now(uuid, boolean) to authenticated, service_role;
grant execute on function public.run_monitor_now(uuid, boolean) to authenticated, service_role;

-- functions/monitors/0985_add_trigger.sql
-- SECURITY DEFINER: users may not insert triggers directly, so that every schedule is
-- checked and scheduled, and every launch it will make is checked once, here.
create or replace function orchable_rpc.add_trigger(
    p_orchestrator_id uuid,
    p_name text,
    p_kind text,
    p_schedule text default null,
    p_timezone text default 'UTC',
    p_inputs jsonb default '[{}]',
    p_config jsonb default '{}'
)
returns public.triggers
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_orchestrator public.orchestrators;
    v_trigger public.triggers;
begin
    select * into v_orchestrator from public.orchestrators as o where o.id = p_orchestrator_id;
    if not found or not orchable._caller_owns(v_orchestrator.owner_id) then
        raise exception 'orchestrator % not found', p_orchestrator_id
            using errcode = 'OR002', hint = 'create it with upsert_orchestrator, or check the id';
    end if;
    if coalesce(btrim(p_name), '') = '' or length(p_name) > 200 then
        raise exception 'p_name must be 1 to 200 characters'
            using errcode = 'OR003', hint = 'name the trigger, e.g. ''nightly digest''';
    end if;
    if p_kind is null or p_kind not in ('cron', 'manual') then
        raise exception 'p_kind % is not cron or manual', coalesce(quote_literal(p_kind), 'null')
            using errcode = 'OR003', hint = 'cron launches on p_schedule; manual only when started by hand';
    end if;
    if p_kind = 'cron' then
        perform orchable._check_schedule(p_schedule, p_timezone);
    elsif p_schedule is not null then
        raise exception 'a % trigger has no schedule', p_kind
            using errcode = 'OR003', hint = 'leave p_schedule out, or make it a cron trigger';
    end if;
    if jsonb_typeof(p_inputs) is distinct from 'array' or jsonb_array_length(p_inputs) = 0
        or jsonb_array_length(p_inputs) > orchable._limit('inputs_per_launch') then
        raise exception 'p_inputs must be a JSON array of 1 to % inputs', orchable._limit('inputs_per_launch')
            using errcode = 'OR003', hint = 'the inputs each launch gets, as launch_batch takes them';
    end if;
    if jsonb_typeof(p_config) is distinct from 'object'
        or jsonb_typeof(p_config -> 'ai_settings') not in ('object', 'null') then
        raise exception 'p_config must be a JSON object, and its ai_settings an object'
            using errcode = 'OR003', hint = 'pass {} or {"ai_settings": {"model": "..."}}';
    end if;
    perform orchable._check_json_limits(p_inputs, 'p_inputs');
    perform orchable._check_json_limits(p_config, 'p_config');

    insert into public.triggers (
        owner_id, orchestrator_id, name, kind, schedule, timezone, inputs, config, next_run_at
    )
    values (
        v_orchestrator.owner_id, v_orchestrator.id, btrim(p_name), p_kind, btrim(p_schedule), p_timezone,
        p_inputs, p_config,
        case when p_kind = 'cron' then orchable_rpc.cron_next_run(btrim(p_schedule), now(), p_timezone) end
    )
    returning * into v_trigger;
    return v_trigger;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.add_trigger(
    p_orchestrator_id uuid,
    p_name text,
    p_kind text,
    p_schedule text default null,
    p_timezone text default 'UTC',
    p_inputs jsonb default '[{}]',
    p_config jsonb default '{}'
)
returns public.triggers
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.add_trigger(
        p_orchestrator_id, p_name, p_kind, p_schedule, p_timezone, p_inputs, p_config
    );
end
$$;

comment on function orchable_rpc.add_trigger(uuid, text, text, text, text, jsonb, jsonb) is
'The implementation of public.add_trigger, run with its owner''s rights; callable by the roles that may call public.add_trigger.';

comment on function public.add_trigger(uuid, text, text, text, text, jsonb, jsonb) is
'Adds a trigger to the caller''s pipeline: cron launches it (launch_batch with p_inputs and p_config) each time p_schedule fires in p_timezone, started by tick(); manual records the launch settings only. A schedule that is malformed or can never fire, or an unknown zone, raises OR031 naming the field; an unknown pipeline OR002; other bad arguments OR003.';

revoke all on function orchable_rpc.add_trigger(uuid, text, text, text, text, jsonb, jsonb)
from public, anon, authenticated, service_role;
revoke all on function public.add_trigger(uuid, text, text, text, text, jsonb, jsonb)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.add_trigger(uuid, text, text, text, text, jsonb, jsonb)
to authenticated, service_role;
grant execute on function public.add_trigger(uuid, text, text, text, text, jsonb, jsonb)
to authenticated, service_role;

-- functions/monitors/0990_tick.sql
-- SECURITY DEFINER: the scheduler reads every owner's monitors and triggers. Called every
-- few seconds by pg_cron where the database has it, else by workers (orchable worker
-- --tick-seconds). Each due row is locked with SKIP LOCKED and moved to its next time in
-- the transaction that starts it, so ticks running at once start each due run exactly
-- once; runs missed while nothing ticked collapse into one (the next time is the first
-- after now, not after the missed one). One row that cannot start fails alone: its
-- schedule moves on and the error is kept, and the others start.
create or replace function orchable_rpc.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_limit bigint := orchable._limit('runs_per_tick');
    v_monitor public.monitors;
    v_trigger public.triggers;
    v_batch public.task_batches;
    v_error text;
begin
    monitor_runs := 0;
    trigger_launches := 0;
    for v_monitor in
        select * from public.monitors as m
        where m.state = 'active' and m.next_run_at <= v_now
        order by m.next_run_at
        limit v_limit
        for update skip locked
    loop
        begin
            perform orchable._start_monitor_run(v_monitor, v_monitor.next_run_at, false);
            monitor_runs := monitor_runs + 1;
        exception when others then
            get stacked diagnostics v_error = message_text;
            insert into public.monitor_executions (
                id, monitor_id, owner_id, scheduled_for, status, completed_at, error_message, notify_reason
            )
            values (
                orchable.time_ordered_uuid(), v_monitor.id, v_monitor.owner_id, v_monitor.next_run_at, 'failed', now(),
                'the run could not start: ' || v_error, 'failed'
            );
        end;
        update public.monitors as m
        set
            next_run_at = orchable_rpc.cron_next_run(m.schedule, v_now, m.timezone),
            last_run_at = v_now,
            updated_at = now()
        where m.id = v_monitor.id;
    end loop;

    for v_trigger in
        select * from public.triggers as t
        where t.kind = 'cron' and t.state = 'active' and t.next_run_at <= v_now
        order by t.next_run_at
        limit v_limit
        for update skip locked
    loop
        v_batch := null;
        v_error := null;
        begin
            v_batch := orchable_rpc.launch_batch(
                v_trigger.orchestrator_id, v_trigger.inputs,
                left(v_trigger.name, 150) || ' ' || to_char(v_trigger.next_run_at at time zone v_trigger.timezone,
                    'YYYY-MM-DD HH24:MI'),
                v_trigger.config,
                'trigger ' || v_trigger.id || ' ' || v_trigger.next_run_at
            );
            trigger_launches := trigger_launches + 1;
        exception when others then
            get stacked diagnostics v_error = message_text;
        end;
        update public.triggers as t
        set
            next_run_at = orchable_rpc.cron_next_run(t.schedule, v_now, t.timezone),
            last_run_at = v_now,
            last_batch_id = coalesce(v_batch.id, t.last_batch_id),
            last_error = v_error,
            updated_at = now()
        where t.id = v_trigger.id;
    end loop;
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.tick(p_now);
end
$$;

comment on function orchable_rpc.tick(timestamptz) is
'The implementation of public.tick, run with its owner''s rights; callable by the roles that may call public.tick.';

comment on function public.tick(timestamptz) is
'Scheduler only (pg_cron, workers, service_role). Starts every monitor run and cron trigger launch due at p_now (default now(), at most runs_per_tick of each) and moves each to its next time after p_now; safe to call from many processes at once (each due run starts once). Returns how many runs and launches it started.';

revoke all on function orchable_rpc.tick(timestamptz) from public, anon, authenticated, service_role;
revoke all on function public.tick(timestamptz) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.tick(timestamptz) to orchable_worker, service_role;
grant execute on function public.tick(timestamptz) to orchable_worker, service_role;

-- policies/monitors/0900_monitor_templates.sql
alter table public.monitor_templates enable row level security;
revoke all on table public.monitor_templates from anon, authenticated, service_role;
grant select on table public.monitor_templates to authenticated;
grant select, insert, update, delete on table public.monitor_templates to service_role;

create policy "Signed-in users can read every monitor template"
on public.monitor_templates for select to authenticated
using (true);

-- policies/monitors/0910_monitors.sql
alter table public.monitors enable row level security;
-- Monitors are made (create_monitor) and change state (pause_monitor, resume_monitor) and
-- schedule through RPCs; their owner may rename them, reword them, mute or snooze them,
-- and delete them.
revoke all on table public.monitors from anon, authenticated, service_role;
grant select, delete on table public.monitors to authenticated;
grant update (name, search_query, condition_description, notify_behavior, muted, snoozed_until)
on table public.monitors to authenticated;
grant select, insert, update, delete on table public.monitors to service_role;

create policy "Owners can read their own monitors"
on public.monitors for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can update their own monitors"
on public.monitors for update to authenticated
using (owner_id = (select auth.uid()))
with check (owner_id = (select auth.uid()));

create policy "Owners can delete their own monitors"
on public.monitors for delete to authenticated
using (owner_id = (select auth.uid()));

-- policies/monitors/0920_monitor_executions.sql
alter table public.monitor_executions enable row level security;
revoke all on table public.monitor_executions from anon, authenticated, service_role;
grant select on table public.monitor_executions to authenticated;
grant select, insert, update, delete on table public.monitor_executions to service_role;

create policy "Owners can read their own monitor executions"
on public.monitor_executions for select to authenticated
using (owner_id = (select auth.uid()));

-- policies/monitors/0930_triggers.sql
alter table public.triggers enable row level security;
-- Triggers are added through add_trigger, which checks their schedule and launches.
revoke all on table public.triggers from anon, authenticated, service_role;
grant select, delete on table public.triggers to authenticated;
grant select, insert, update, delete on table public.triggers to service_role;

create policy "Owners can read their own triggers"
on public.triggers for select to authenticated
using (owner_id = (select auth.uid()));

create policy "Owners can delete their own triggers"
on public.triggers for delete to authenticated
using (owner_id = (select auth.uid()));

-- policies/platform/0000_orchable_internals.sql: the new private functions, like the others.
revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
