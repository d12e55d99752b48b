-- Delta from the sources below, written by scripts/new-migration.sh.

-- functions/platform/0070__json_schema_error.sql
-- The first way a JSON value breaks a JSON Schema, or null when it fits. PostgreSQL 15 has
-- no JSON Schema validator (Supabase's pg_jsonschema is not on every install), and a
-- person's answer must be checked in the transaction that takes it, so this checks the
-- subset of keywords a form needs: type, enum, const, required, properties,
-- additionalProperties (a boolean), items, minItems, maxItems, minLength, maxLength,
-- minimum, maximum, pattern. orchable._json_schema_unsupported refuses a schema using any
-- other keyword when a stage is defined, so no keyword is silently left unchecked.
create or replace function orchable._json_schema_error(p_schema jsonb, p_value jsonb, p_path text default '$')
returns text
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_type text := jsonb_typeof(p_value);
    v_types jsonb := case jsonb_typeof(p_schema -> 'type')
        when 'string' then jsonb_build_array(p_schema -> 'type')
        when 'array' then p_schema -> 'type'
    end;
    v_error text;
    v_key text;
    v_sub jsonb;
    v_index integer;
begin
    if jsonb_typeof(p_schema) = 'boolean' then
        return case when p_schema = 'false'::jsonb then format('%s is not allowed', p_path) end;
    end if;
    if v_types is not null and not (
        v_types ? v_type or (v_type = 'number' and v_types ? 'integer' and p_value::text::numeric = trunc(p_value::text::numeric))
    ) then
        return format('%s is %s, not %s', p_path, v_type, array_to_string(array(select jsonb_array_elements_text(v_types)), ' or '));
    end if;
    if p_schema ? 'const' and p_value <> p_schema -> 'const' then
        return format('%s must be %s', p_path, p_schema -> 'const');
    end if;
    if p_schema ? 'enum' and not exists (select from jsonb_array_elements(p_schema -> 'enum') as e (value) where e.value = p_value) then
        return format('%s must be one of %s', p_path, p_schema -> 'enum');
    end if;
    if v_type = 'string' then
        if length(p_value #>> '{}') < coalesce((p_schema ->> 'minLength')::integer, 0) then
            return format('%s is shorter than %s characters', p_path, p_schema ->> 'minLength');
        end if;
        if length(p_value #>> '{}') > coalesce((p_schema ->> 'maxLength')::integer, 2147483647) then
            return format('%s is longer than %s characters', p_path, p_schema ->> 'maxLength');
        end if;
        if p_schema ? 'pattern' and p_value #>> '{}' !~ (p_schema ->> 'pattern') then
            return format('%s does not match %s', p_path, p_schema ->> 'pattern');
        end if;
    elsif v_type = 'number' then
        if p_value::text::numeric < (p_schema ->> 'minimum')::numeric then
            return format('%s is less than %s', p_path, p_schema ->> 'minimum');
        end if;
        if p_value::text::numeric > (p_schema ->> 'maximum')::numeric then
            return format('%s is more than %s', p_path, p_schema ->> 'maximum');
        end if;
    elsif v_type = 'object' then
        for v_key in select jsonb_array_elements_text(coalesce(p_schema -> 'required', '[]')) loop
            if not p_value ? v_key then
                return format('%s has no %s', p_path, v_key);
            end if;
        end loop;
        for v_key, v_sub in select * from jsonb_each(p_value) loop
            if p_schema -> 'properties' ? v_key then
                v_error := orchable._json_schema_error(p_schema -> 'properties' -> v_key, v_sub, p_path || '.' || v_key);
                if v_error is not null then
                    return v_error;
                end if;
            elsif p_schema -> 'additionalProperties' = 'false'::jsonb then
                return format('%s has %s, which the schema does not allow', p_path, v_key);
            end if;
        end loop;
    elsif v_type = 'array' then
        if jsonb_array_length(p_value) < coalesce((p_schema ->> 'minItems')::integer, 0) then
            return format('%s has fewer than %s items', p_path, p_schema ->> 'minItems');
        end if;
        if jsonb_array_length(p_value) > coalesce((p_schema ->> 'maxItems')::integer, 2147483647) then
            return format('%s has more than %s items', p_path, p_schema ->> 'maxItems');
        end if;
        if p_schema ? 'items' then
            for v_sub, v_index in select e.value, e.position - 1 from jsonb_array_elements(p_value) with ordinality as e (value, position) loop
                v_error := orchable._json_schema_error(p_schema -> 'items', v_sub, format('%s[%s]', p_path, v_index));
                if v_error is not null then
                    return v_error;
                end if;
            end loop;
        end if;
    end if;
    return null;
end
$$;

comment on function orchable._json_schema_error(jsonb, jsonb, text) is
'The first way p_value breaks p_schema (a JSON Schema of the keywords orchable checks), naming the path; null when it fits.';

-- functions/platform/0075__json_schema_unsupported.sql
-- The first keyword of a JSON Schema that orchable._json_schema_error does not check, or a
-- keyword whose value has the wrong shape; null when the whole schema can be checked.
create or replace function orchable._json_schema_unsupported(p_schema jsonb)
returns text
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$
    with recursive schemas (schema) as (
        select p_schema
        union all
        select c.child
        from schemas as s
        cross join lateral (
            select p.value from jsonb_each(case when jsonb_typeof(s.schema -> 'properties') = 'object'
                then s.schema -> 'properties' else '{}' end) as p
            union all
            select s.schema -> 'items' where jsonb_typeof(s.schema -> 'items') in ('object', 'boolean')
        ) as c (child)
        where jsonb_typeof(s.schema) = 'object'
    )
    select coalesce(
        (select case when jsonb_typeof(p_schema) not in ('object', 'boolean') then 'the schema is not an object' end),
        (
            select format('keyword "%s"', k.keyword)
            from schemas as s
            cross join lateral jsonb_each(case when jsonb_typeof(s.schema) = 'object' then s.schema else '{}' end)
                as k (keyword, value)
            where k.keyword <> all(array[
                'type', 'enum', 'const', 'required', 'properties', 'additionalProperties', 'items',
                'minItems', 'maxItems', 'minLength', 'maxLength', 'minimum', 'maximum', 'pattern',
                'title', 'description', 'default', 'examples', '$schema'
            ])
                or (k.keyword = 'additionalProperties' and jsonb_typeof(k.value) <> 'boolean')
                or (k.keyword = 'properties' and jsonb_typeof(k.value) <> 'object')
                or (k.keyword in ('required', 'enum') and jsonb_typeof(k.value) <> 'array')
                or (k.keyword in ('minItems', 'maxItems', 'minLength', 'maxLength', 'minimum', 'maximum')
                    and jsonb_typeof(k.value) <> 'number')
                or (k.keyword = 'pattern' and jsonb_typeof(k.value) <> 'string')
                or (k.keyword = 'type' and jsonb_typeof(k.value) not in ('string', 'array'))
            order by k.keyword
            limit 1
        )
    )
$$;

comment on function orchable._json_schema_unsupported(jsonb) is
'Names the first keyword of a JSON Schema that orchable._json_schema_error cannot check (or of a wrong shape); null when it checks all of it.';

-- sql/interactions/1100_table_human_interactions.sql
create table public.human_interactions (
    id uuid primary key,
    owner_id uuid not null references auth.users (id) on delete cascade,
    orchestrator_id uuid not null references public.orchestrators (id) on delete cascade,
    batch_id uuid not null references public.task_batches (id) on delete cascade,
    task_id uuid not null references public.ai_tasks (id) on delete cascade,
    stage_key text not null,
    interaction_type text not null,
    channel_type text not null,
    channels text[] not null,
    endpoint_ids uuid[] not null default '{}',
    responder_ids uuid[] not null,
    status text not null default 'pending',
    outcome text,
    priority text not null default 'normal',
    required_approvals integer not null default 1,
    request_data jsonb not null,
    response_data jsonb,
    timeout_at timestamptz,
    on_timeout text not null default 'reject',
    next_step_at timestamptz,
    reminders_sent integer not null default 0,
    escalation_level integer not null default 0,
    correlation_id text not null,
    tags text[] not null default '{}',
    policy jsonb not null default '{}',
    approvals integer not null default 0,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    responded_at timestamptz,
    constraint human_interactions_interaction_type_known check (
        interaction_type in ('approval', 'input', 'selection', 'review')
    ),
    constraint human_interactions_channel_type_known check (channel_type in ('in_app', 'email', 'webhook', 'slack')),
    constraint human_interactions_channels_known check (
        channels <@ array['in_app', 'email', 'webhook', 'slack'] and cardinality(channels) > 0
    ),
    constraint human_interactions_status_known check (
        status in ('pending', 'responded', 'timeout', 'error', 'cancelled')
    ),
    constraint human_interactions_outcome_fits_status check (
        case status
            when 'pending' then outcome is null
            when 'responded' then outcome in ('approved', 'rejected', 'selected', 'answered', 'reviewed')
            when 'timeout'
                then outcome in ('timeout_rejected', 'timeout_approved', 'timeout_failed', 'timeout_cancelled_batch')
            when 'cancelled' then outcome = 'cancelled'
            else true
        end
    ),
    constraint human_interactions_settled_has_responded_at check ((status = 'pending') = (responded_at is null)),
    constraint human_interactions_priority_known check (priority in ('low', 'normal', 'high', 'critical')),
    constraint human_interactions_on_timeout_known check (
        on_timeout in ('reject', 'approve', 'fail', 'cancel_batch', 'escalate')
    ),
    constraint human_interactions_required_approvals_range check (required_approvals between 1 and 100),
    constraint human_interactions_request_data_is_object check (jsonb_typeof(request_data) = 'object'),
    constraint human_interactions_correlation_id_key unique (correlation_id)
);

-- A task waits on at most one open question at a time.
create unique index human_interactions_one_pending_per_task
on public.human_interactions (task_id) where status = 'pending';
-- tick(): the open interactions whose next reminder, escalation or timeout is due.
create index human_interactions_next_step_at_idx
on public.human_interactions (next_step_at) where status = 'pending' and next_step_at is not null;
-- An owner's inbox, oldest first, and a batch's interactions.
create index human_interactions_owner_id_created_at_idx
on public.human_interactions (owner_id, created_at) where status = 'pending';
create index human_interactions_batch_id_idx on public.human_interactions (batch_id);
create index human_interactions_task_id_idx on public.human_interactions (task_id);
create index human_interactions_orchestrator_id_idx on public.human_interactions (orchestrator_id);
-- Responders who are not the owner find the questions put to them.
create index human_interactions_responder_ids_idx
on public.human_interactions using gin (responder_ids) where status = 'pending';

comment on table public.human_interactions is
'A question put to people about a task''s output (approve, give input, choose, review), opened in the transaction that makes the task wait in generated and settled exactly once: by an answer, a timeout or a cancellation.';
comment on column public.human_interactions.id is 'The interaction id; every answer names it.';
comment on column public.human_interactions.owner_id is 'The user who owns the batch.';
comment on column public.human_interactions.orchestrator_id is 'The pipeline of the task.';
comment on column public.human_interactions.batch_id is 'The batch of the task.';
comment on column public.human_interactions.task_id is 'The task waiting for the answer (in generated).';
comment on column public.human_interactions.stage_key is 'The stage that asks.';
comment on column public.human_interactions.interaction_type is
'approval (approve, with an edit, or reject), input (an answer that fits input_schema), selection (one of the options), review (approve or reject with a comment and a score).';
comment on column public.human_interactions.channel_type is 'The first channel asked through (seed column); channels lists them all.';
comment on column public.human_interactions.channels is 'Every channel asked through: in_app, email, webhook, slack.';
comment on column public.human_interactions.endpoint_ids is 'The notification endpoints the question and its reminders went to, escalations included.';
comment on column public.human_interactions.responder_ids is 'The users who may answer in the app (the stage''s responders, else the owner), escalations included.';
comment on column public.human_interactions.status is 'pending, responded (a person decided), timeout (time ran out: never recorded as a person''s answer), error, cancelled.';
comment on column public.human_interactions.outcome is
'What settled it: approved, rejected, selected, answered, reviewed; timeout_rejected, timeout_approved, timeout_failed, timeout_cancelled_batch; cancelled.';
comment on column public.human_interactions.priority is 'low, normal, high or critical.';
comment on column public.human_interactions.required_approvals is 'Approvals from distinct people needed (quorum); any rejection settles it.';
comment on column public.human_interactions.request_data is
'What is asked: message, the task''s input and output, options, input_schema, allowed_decisions, answer_key.';
comment on column public.human_interactions.response_data is 'The outcome: the decision, the answer or choice, the output before and after an edit, who decided.';
comment on column public.human_interactions.timeout_at is 'When time runs out; null waits until answered.';
comment on column public.human_interactions.on_timeout is 'What a timeout does: reject (default), approve, fail, cancel_batch, escalate.';
comment on column public.human_interactions.next_step_at is 'When tick() next acts on it: a reminder, an escalation step or the timeout.';
comment on column public.human_interactions.reminders_sent is 'Reminders sent so far.';
comment on column public.human_interactions.escalation_level is 'Escalation steps taken so far.';
comment on column public.human_interactions.correlation_id is 'orchable:<id>, carried by every message about it so channel answers can name it.';
comment on column public.human_interactions.policy is
'What happens while nobody answers, from the stage: timeout, reminders, escalation steps, the default answer.';
comment on column public.human_interactions.approvals is 'Approvals from distinct people so far.';
comment on column public.human_interactions.tags is 'Free labels (seed column).';
comment on column public.human_interactions.created_at is 'When the question was asked.';
comment on column public.human_interactions.updated_at is 'When it last changed.';
comment on column public.human_interactions.responded_at is 'When it was settled (answer, timeout or cancellation).';

-- sql/interactions/1110_table_interaction_answers.sql
create table public.interaction_answers (
    id bigint generated always as identity primary key,
    interaction_id uuid not null references public.human_interactions (id) on delete cascade,
    owner_id uuid not null references auth.users (id) on delete cascade,
    responder_key text not null,
    responder_id uuid,
    channel text not null,
    decision text not null,
    response jsonb not null,
    outcome text not null,
    hil_response_id uuid,
    created_at timestamptz not null default now(),
    constraint interaction_answers_channel_known check (channel in ('in_app', 'email', 'webhook', 'slack')),
    constraint interaction_answers_outcome_known check (outcome in ('counted', 'settled', 'late', 'duplicate')),
    constraint interaction_answers_responder_key_shaped check (responder_key ~ '^(user|email|slack|webhook):.+$')
);

-- The same person counts once: a second answer of theirs is kept as a duplicate.
create unique index interaction_answers_one_count_per_responder
on public.interaction_answers (interaction_id, responder_key) where outcome in ('counted', 'settled');
create index interaction_answers_interaction_id_idx on public.interaction_answers (interaction_id, id);
create index interaction_answers_owner_id_idx on public.interaction_answers (owner_id);

comment on table public.interaction_answers is
'Append-only record of every answer to an interaction: who (user, email address, Slack user or webhook endpoint), when, through which channel, and whether it counted, settled it, came late or was a duplicate.';
comment on column public.interaction_answers.id is 'Order of the answers.';
comment on column public.interaction_answers.interaction_id is 'The interaction answered.';
comment on column public.interaction_answers.owner_id is 'The owner of the interaction.';
comment on column public.interaction_answers.responder_key is 'Who answered: user:<id>, email:<address>, slack:<team>:<user> or webhook:<endpoint id>.';
comment on column public.interaction_answers.responder_id is 'The user who answered in the app; null for other channels.';
comment on column public.interaction_answers.channel is 'in_app, email, webhook or slack.';
comment on column public.interaction_answers.decision is 'approve, reject, select, answer.';
comment on column public.interaction_answers.response is 'The answer as given.';
comment on column public.interaction_answers.outcome is
'counted (a quorum is still short), settled (this answer decided it), late (it was already settled), duplicate (this person had answered).';
comment on column public.interaction_answers.hil_response_id is 'The incoming channel message (hil_responses) it came from, if any.';
comment on column public.interaction_answers.created_at is 'When the answer arrived.';

-- sql/interactions/1120_view_v_my_interactions.sql
-- The signed-in user's inbox: the open questions they may answer, oldest first, with what
-- they are about. RLS on human_interactions decides the rows (owner or responder).
create or replace view public.v_my_interactions with (security_invoker = true) as
select
    i.id,
    i.interaction_type,
    i.priority,
    i.request_data ->> 'message' as message,
    i.request_data,
    i.required_approvals,
    i.approvals,
    i.timeout_at,
    i.on_timeout,
    i.channels,
    i.batch_id,
    b.name as batch_name,
    i.task_id,
    i.stage_key,
    i.created_at
from public.human_interactions as i
-- A responder who is not the owner cannot read the batch: its name is null for them.
left join public.task_batches as b on i.batch_id = b.id
where
    i.status = 'pending'
    and (i.owner_id = (select auth.uid()) or (select auth.uid()) = any(i.responder_ids))
order by i.created_at;

comment on view public.v_my_interactions is
'The signed-in user''s inbox: open interactions they own or may answer, oldest first.';
comment on column public.v_my_interactions.id is 'The interaction to answer (respond_to_interaction).';
comment on column public.v_my_interactions.interaction_type is 'approval, input, selection or review.';
comment on column public.v_my_interactions.priority is 'low, normal, high or critical.';
comment on column public.v_my_interactions.message is 'The question.';
comment on column public.v_my_interactions.request_data is 'Everything asked: the output, options, input_schema, allowed_decisions.';
comment on column public.v_my_interactions.required_approvals is 'Approvals needed.';
comment on column public.v_my_interactions.approvals is 'Approvals given so far.';
comment on column public.v_my_interactions.timeout_at is 'When time runs out (null: never).';
comment on column public.v_my_interactions.on_timeout is 'What then happens.';
comment on column public.v_my_interactions.channels is 'The channels it was asked through.';
comment on column public.v_my_interactions.batch_id is 'The batch of the task.';
comment on column public.v_my_interactions.batch_name is 'That batch''s name.';
comment on column public.v_my_interactions.task_id is 'The waiting task.';
comment on column public.v_my_interactions.stage_key is 'The stage that asks.';
comment on column public.v_my_interactions.created_at is 'When it was asked.';

-- policies/interactions/1100_human_interactions.sql
alter table public.human_interactions enable row level security;
revoke all on table public.human_interactions from anon, authenticated, service_role;
grant select on table public.human_interactions to authenticated;
grant select, insert, update, delete on table public.human_interactions to service_role;

create policy "Owners and responders can read the interactions put to them"
on public.human_interactions for select to authenticated
using (owner_id = (select auth.uid()) or (select auth.uid()) = any(responder_ids));

-- policies/interactions/1110_interaction_answers.sql
-- Append-only: only orchable's functions write it, and they only add rows.
alter table public.interaction_answers enable row level security;
revoke all on table public.interaction_answers from anon, authenticated, service_role;
grant select on table public.interaction_answers to authenticated, service_role;
-- Its identity sequence is filled by the table's owner; the older default privileges
-- would hand nextval and setval on it to every API role.
revoke all on sequence public.interaction_answers_id_seq from anon, authenticated, service_role;

create policy "Owners read every answer to their interactions and responders their own"
on public.interaction_answers for select to authenticated
using (owner_id = (select auth.uid()) or responder_id = (select auth.uid()));

-- policies/interactions/1120_v_my_interactions.sql
-- The view runs with the caller's rights (security_invoker), so RLS still applies.
revoke all on table public.v_my_interactions from anon, authenticated, service_role;
grant select on table public.v_my_interactions to authenticated, service_role;

-- functions/interactions/1100__interaction_config.sql
-- Checks the `interaction` of a stage definition (what a person is asked when a task of
-- the stage has its output) and returns it normalised, every default filled in. Raises
-- OR001 naming the stage and the problem. Durations are PostgreSQL intervals ('30 minutes',
-- '2 days'); endpoints are names of the owner's notification endpoints, looked up when a
-- person is asked; responders are user ids (default: the pipeline's owner).
create or replace function orchable._interaction_config(p_stage_key text, p_config jsonb)
returns jsonb
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_known constant text [] := array[
        'type', 'message', 'channels', 'endpoints', 'responders', 'options', 'input_schema', 'timeout',
        'on_timeout', 'default', 'reminders', 'escalation', 'required_approvals', 'priority', 'answer_key',
        'on_reject'
    ];
    v_type text := coalesce(p_config ->> 'type', 'approval');
    v_on_timeout text := coalesce(p_config ->> 'on_timeout', 'reject');
    v_problem text;
    v_durations jsonb;
    v_duration text;
begin
    if jsonb_typeof(p_config) <> 'object' then
        v_problem := 'has an interaction that is not a JSON object';
    else
        v_problem := case
            when exists (select from jsonb_object_keys(p_config) as k (name) where k.name <> all(v_known)) then
                format('has interaction key "%s", which orchable does not know (it knows %s)',
                    (select min(k.name) from jsonb_object_keys(p_config) as k (name) where k.name <> all(v_known)),
                    array_to_string(v_known, ', '))
            when v_type not in ('approval', 'input', 'selection', 'review') then
                format('has interaction type %s; it is approval, input, selection or review', p_config -> 'type')
            when jsonb_typeof(p_config -> 'message') not in ('string', 'null') then 'has an interaction message that is not a string'
            when jsonb_typeof(p_config -> 'channels') not in ('array', 'null') or exists (
                select from jsonb_array_elements(p_config -> 'channels') as c (channel)
                where c.channel not in ('"in_app"', '"email"', '"webhook"', '"slack"')
            ) then 'has interaction channels that are not a list of in_app, email, webhook and slack'
            when jsonb_typeof(p_config -> 'endpoints') not in ('array', 'null') or exists (
                select from jsonb_array_elements(p_config -> 'endpoints') as e (name) where jsonb_typeof(e.name) <> 'string'
            ) then 'has interaction endpoints that are not a list of endpoint names'
            when jsonb_typeof(p_config -> 'responders') not in ('array', 'null') or exists (
                select from jsonb_array_elements(p_config -> 'responders') as r (id)
                where coalesce(r.id #>> '{}', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            ) then 'has interaction responders that are not a list of user ids'
            when v_type = 'selection' and (
                jsonb_typeof(p_config -> 'options') is distinct from 'array'
                or jsonb_array_length(p_config -> 'options') = 0
                or exists (
                    select from jsonb_array_elements(p_config -> 'options') as o (option)
                    where jsonb_typeof(o.option) <> 'string'
                        and (jsonb_typeof(o.option) <> 'object' or jsonb_typeof(o.option -> 'value') is distinct from 'string')
                )
            ) then 'is a selection without options (a list of strings, or of {"value", "label"})'
            when v_type <> 'selection' and p_config ? 'options' then 'has options but is not a selection'
            when v_type = 'input' and jsonb_typeof(p_config -> 'input_schema') is distinct from 'object' then
                'asks for input without an input_schema (a JSON Schema object)'
            when v_type <> 'input' and p_config ? 'input_schema' then 'has an input_schema but does not ask for input'
            when v_type = 'input' and orchable._json_schema_unsupported(p_config -> 'input_schema') is not null then
                format('has an input_schema with %s, which orchable cannot check',
                    orchable._json_schema_unsupported(p_config -> 'input_schema'))
            when v_on_timeout not in ('reject', 'approve', 'fail', 'cancel_batch', 'escalate') then
                format('has on_timeout %s; it is reject, approve, fail, cancel_batch or escalate', p_config -> 'on_timeout')
            when p_config ? 'on_timeout' and not p_config ? 'timeout' then 'has an on_timeout but no timeout'
            when v_on_timeout = 'approve' and v_type in ('input', 'selection') and not p_config ? 'default' then
                format('approves on timeout but has no default %s', case v_type when 'input' then 'answer' else 'choice' end)
            when v_on_timeout = 'escalate' and coalesce(jsonb_array_length(p_config -> 'escalation'), 0) = 0 then
                'escalates on timeout but has no escalation steps'
            when jsonb_typeof(p_config -> 'reminders') not in ('array', 'null') then 'has reminders that are not a list of durations'
            when jsonb_typeof(p_config -> 'escalation') not in ('array', 'null') or exists (
                select from jsonb_array_elements(p_config -> 'escalation') as s (step)
                where jsonb_typeof(s.step) <> 'object' or jsonb_typeof(s.step -> 'after') is distinct from 'string'
                    or jsonb_typeof(s.step -> 'endpoints') not in ('array', 'null')
                    or jsonb_typeof(s.step -> 'responders') not in ('array', 'null')
                    or exists (select from jsonb_object_keys(s.step) as k (name) where k.name not in ('after', 'endpoints', 'responders'))
                    or exists (
                        select from jsonb_array_elements(s.step -> 'responders') as r (id)
                        where coalesce(r.id #>> '{}', '') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    )
            ) then 'has escalation steps that are not {"after": duration, "endpoints": [names], "responders": [user ids]}'
            when p_config ? 'required_approvals' and (
                jsonb_typeof(p_config -> 'required_approvals') <> 'number'
                or (p_config ->> 'required_approvals')::numeric not between 1 and 100
                or (p_config ->> 'required_approvals')::numeric <> trunc((p_config ->> 'required_approvals')::numeric)
            ) then 'has a required_approvals that is not a whole number from 1 to 100'
            when p_config ? 'required_approvals' and v_type not in ('approval', 'review') then
                'asks for several approvals but is not an approval or a review'
            when coalesce(p_config ->> 'priority', 'normal') not in ('low', 'normal', 'high', 'critical') then
                format('has priority %s; it is low, normal, high or critical', p_config -> 'priority')
            when coalesce(p_config ->> 'answer_key', 'human') !~ '^[A-Za-z_][A-Za-z0-9_]*$' then
                'has an answer_key that is not a plain name'
            when coalesce(p_config ->> 'on_reject', 'regenerate') not in ('regenerate', 'fail') then
                format('has on_reject %s; it is regenerate or fail', p_config -> 'on_reject')
        end;
    end if;
    if v_problem is null then
        -- Every duration must read as a positive interval.
        v_durations := coalesce(p_config -> 'reminders', '[]')
            || coalesce((select jsonb_agg(s.step -> 'after') from jsonb_array_elements(p_config -> 'escalation') as s (step)), '[]')
            || coalesce(jsonb_build_array(p_config -> 'timeout'), '[]');
        for v_duration in select d #>> '{}' from jsonb_array_elements(v_durations) as d where d <> 'null'::jsonb loop
            begin
                if v_duration::interval <= interval '0' then
                    v_problem := format('has a duration "%s" that is not positive', v_duration);
                end if;
            exception when invalid_datetime_format or datetime_field_overflow or interval_field_overflow then
                v_problem := format('has "%s", which is not a duration (say "30 minutes" or "2 days")', v_duration);
            end;
            exit when v_problem is not null;
        end loop;
    end if;
    if v_problem is null and v_type = 'selection' and p_config ? 'default' and not exists (
        select from jsonb_array_elements(p_config -> 'options') as o (option)
        where coalesce(o.option -> 'value', o.option) = p_config -> 'default'
    ) then
        v_problem := format('has a default %s that is not one of its options', p_config -> 'default');
    end if;
    if v_problem is null and v_type = 'input' and p_config ? 'default' then
        v_problem := 'has a default answer that does not fit its input_schema: '
            || orchable._json_schema_error(p_config -> 'input_schema', p_config -> 'default');
    end if;
    if v_problem is not null then
        raise exception 'stage "%" %', p_stage_key, v_problem
            using errcode = 'OR001', detail = p_config::text,
            hint = 'see "Asking people" in the README for the interaction a stage can ask for';
    end if;
    return jsonb_strip_nulls(jsonb_build_object(
        'type', v_type,
        'message', p_config -> 'message',
        'channels', coalesce(p_config -> 'channels', '["in_app"]'),
        'endpoints', p_config -> 'endpoints',
        'responders', p_config -> 'responders',
        'options', (
            select jsonb_agg(case when jsonb_typeof(o.option) = 'string'
                then jsonb_build_object('value', o.option, 'label', o.option)
                else jsonb_build_object('value', o.option -> 'value', 'label', coalesce(o.option -> 'label', o.option -> 'value'))
            end order by o.position)
            from jsonb_array_elements(p_config -> 'options') with ordinality as o (option, position)
        ),
        'input_schema', p_config -> 'input_schema',
        'timeout', p_config -> 'timeout',
        'on_timeout', case when p_config ? 'timeout' then v_on_timeout end,
        'default', p_config -> 'default',
        'reminders', p_config -> 'reminders',
        'escalation', p_config -> 'escalation',
        'required_approvals', coalesce((p_config ->> 'required_approvals')::numeric::integer, 1),
        'priority', coalesce(p_config ->> 'priority', 'normal'),
        'answer_key', coalesce(p_config ->> 'answer_key', 'human'),
        'on_reject', coalesce(p_config ->> 'on_reject', 'regenerate')
    ));
end
$$;

comment on function orchable._interaction_config(text, jsonb) is
'Validates a stage''s interaction (what a person is asked) and returns it normalised with its defaults; raises OR001 naming the problem.';

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
    v_interaction jsonb;
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
        v_interaction := case when v_stage ? 'interaction' and v_stage -> 'interaction' <> 'null'::jsonb
            then orchable._interaction_config(v_key, v_stage -> 'interaction') end;
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
            -- A stage that asks a person anything waits for the answer as an approval does.
            'requires_approval', coalesce((v_stage ->> 'requires_approval')::boolean, false) or v_interaction is not null,
            'interaction', v_interaction,
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
            'split_stage_key', v_stage -> 'split_stage_key',
            'interaction', v_stage -> 'interaction'
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

-- functions/interactions/1110__settle_interaction.sql
-- Settles an interaction once and applies the outcome to its task: an answer, a timeout
-- and a cancellation all come here, and all are one conditional update on `pending`, so
-- whichever commits first decides and the others change nothing (false). The caller holds
-- the task's row lock (taken before the interaction's, the order every path locks in).
--   p_task_action: complete (with p_output), regenerate, fail (p_error_code, p_error) or
--   cancel_batch. A completion its split cannot use raises OR009 when a person answered
--   (their answer is refused, nothing changes) and fails the task when time ran out.
create or replace function orchable._settle_interaction(
    p_interaction_id uuid,
    p_status text,
    p_outcome text,
    p_response_data jsonb,
    p_task_action text,
    p_output jsonb default null,
    p_error_code text default null,
    p_error text default null
)
returns boolean
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_interaction public.human_interactions;
    v_split_error text;
begin
    update public.human_interactions
    set status = p_status, outcome = p_outcome, response_data = p_response_data, responded_at = now(),
        next_step_at = null, updated_at = now()
    where id = p_interaction_id and status = 'pending'
    returning * into v_interaction;
    if not found then
        return false;
    end if;

    if p_task_action = 'complete' then
        v_split_error := orchable._split_error(
            (select t.prompt_template_id from public.ai_tasks as t where t.id = v_interaction.task_id), p_output
        );
        if v_split_error is not null and p_status = 'responded' then
            raise exception 'task % cannot be approved: %', v_interaction.task_id, v_split_error
                using errcode = 'OR009', hint = 'approve it with an edited output, or reject it to regenerate';
        end if;
    end if;

    update public.batch_pauses
    set status = case when p_status = 'responded' then 'resumed' else p_status end,
        resumed_at = now(),
        resumed_by = case when p_response_data ->> 'responder_key' like 'user:%'
            then (substr(p_response_data ->> 'responder_key', 6))::uuid end,
        resume_trigger = case p_status when 'responded' then 'answer' when 'timeout' then 'timeout' else 'cancel' end,
        updated_at = now()
    where interaction_id = p_interaction_id and status = 'active';

    perform orchable._log_event(
        v_interaction.batch_id, v_interaction.task_id, 'interaction',
        case p_status when 'responded' then 'responded' when 'timeout' then 'timeout' else 'cancelled' end,
        jsonb_build_object('interaction_id', p_interaction_id, 'outcome', p_outcome,
            'responder_key', p_response_data ->> 'responder_key', 'channel', p_response_data ->> 'channel'),
        case p_status
            when 'responded' then format('%s: %s by %s', initcap(v_interaction.interaction_type), replace(p_outcome, '_', ' '),
                coalesce(p_response_data ->> 'responder_key', 'a person'))
            when 'timeout' then format('Nobody answered the %s in time: %s', v_interaction.interaction_type,
                replace(substr(p_outcome, 9), '_', ' '))
            else format('The %s was cancelled', v_interaction.interaction_type)
        end,
        'business',
        case when p_status = 'timeout' then 'warning' else 'info' end
    );

    if p_task_action = 'complete' and v_split_error is null then
        update public.ai_tasks
        set status = 'completed', output_data = p_output,
            approved_at = case when p_status = 'responded' then now() end,
            completed_at = now(), updated_at = now()
        where id = v_interaction.task_id and status = 'generated';
    elsif p_task_action = 'regenerate' then
        update public.ai_tasks
        set status = 'plan', output_data = null, retry_count = 0, error_message = p_error, run_after = now(), updated_at = now()
        where id = v_interaction.task_id and status = 'generated';
    elsif p_task_action in ('fail', 'complete') then
        update public.ai_tasks
        set status = 'failed', error_code = coalesce(p_error_code, 'OR009'), error_message = coalesce(p_error, v_split_error),
            updated_at = now()
        where id = v_interaction.task_id and status = 'generated';
    elsif p_task_action = 'cancel_batch' then
        -- cancel_batch's order: the tasks, then the batch row.
        update public.ai_tasks
        set status = 'cancelled', claim_token = null, locked_by = null, locked_until = null, updated_at = now()
        where batch_id = v_interaction.batch_id and status in ('plan', 'processing', 'generated');
        update public.task_batches
        set status = 'cancelled', status_reason = p_error, finished_at = now(), updated_at = now()
        where id = v_interaction.batch_id and status not in ('completed', 'failed', 'cancelled');
    end if;
    return true;
end
$$;

comment on function orchable._settle_interaction(uuid, text, text, jsonb, text, jsonb, text, text) is
'Settles a pending interaction (one conditional update) and applies its outcome to the task; false when it was already settled.';

-- functions/interactions/1120__answer_interaction.sql
-- Takes one person's answer to an interaction, from any channel; the channel has already
-- proved who is answering (a signed-in user, a signed webhook, a verified Slack request, a
-- link token). The task is locked first, so answers to one interaction take turns and a
-- quorum is counted on committed answers. Every answer is appended to
-- interaction_answers, also one that comes late or twice, so the record shows who
-- answered after the timeout. Returns what became of it:
--   settled (it decided the interaction), counted (approvals are still short of the
--   quorum), late (already settled: nothing changed), duplicate (this responder had
--   answered: nothing changed).
-- An answer that does not fit the question raises OR042 and changes nothing.
create or replace function orchable._answer_interaction(
    p_interaction_id uuid,
    p_responder_key text,
    p_responder_id uuid,
    p_channel text,
    p_response jsonb,
    p_hil_response_id uuid default null
)
returns table (outcome text, status text, approvals integer, required_approvals integer)
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
    v_interaction public.human_interactions;
    v_task public.ai_tasks;
    v_type text;
    v_decision text := p_response ->> 'decision';
    v_problem text;
    v_answer jsonb;
    v_approvals integer;
    v_edit jsonb;
    v_output jsonb;
    v_answer_key text;
    v_outcome text;
    v_response_data jsonb;
    v_regenerate boolean;
begin
    select * into v_interaction from public.human_interactions as i where i.id = p_interaction_id;
    if not found then
        raise exception 'interaction % not found', p_interaction_id
            using errcode = 'OR039', hint = 'answer an interaction of v_my_interactions by its id';
    end if;
    perform orchable._check_json_limits(p_response, 'p_response');
    v_type := v_interaction.interaction_type;
    v_answer_key := v_interaction.request_data ->> 'answer_key';

    -- What kind of answer it is, and whether it fits the question.
    if v_decision is null then
        v_decision := case when p_response ? 'choice' then 'select' when p_response ? 'answer' then 'answer' end;
    end if;
    v_problem := case
        when jsonb_typeof(p_response) is distinct from 'object' then 'the response is not a JSON object'
        when v_decision = 'reject' and coalesce(btrim(coalesce(p_response ->> 'reason', p_response ->> 'comment')), '') = '' then
            'a rejection needs a reason'
        when v_decision = 'reject' and jsonb_typeof(p_response -> 'regenerate') not in ('boolean', 'null') then
            'regenerate is not a boolean'
        when v_decision = 'reject' then null
        when v_type = 'approval' and v_decision is distinct from 'approve' then
            'an approval is answered with {"decision": "approve"} (an edited "output" optional) or {"decision": "reject", "reason": ...}'
        when v_type = 'review' and v_decision is distinct from 'approve' then
            'a review is answered with {"decision": "approve" or "reject", "comment": ..., "score": ...}'
        when v_type = 'review' and jsonb_typeof(p_response -> 'score') not in ('number', 'null') then 'the score is not a number'
        when v_type = 'review' and jsonb_typeof(p_response -> 'comment') not in ('string', 'null') then 'the comment is not a string'
        when v_type = 'selection' and v_decision is distinct from 'select' then
            'a selection is answered with {"choice": <one of the options'' values>}'
        when v_type = 'selection' and not exists (
            select from jsonb_array_elements(v_interaction.request_data -> 'options') as o (option)
            where o.option -> 'value' = p_response -> 'choice'
        ) then format('%s is not one of the options (%s)', p_response -> 'choice',
            (select string_agg(o.option ->> 'value', ', ') from jsonb_array_elements(v_interaction.request_data -> 'options') as o (option)))
        when v_type = 'input' and v_decision is distinct from 'answer' then
            'an input is answered with {"answer": <a value that fits the input_schema>}'
        when v_type = 'input' then
            orchable._json_schema_error(v_interaction.request_data -> 'input_schema', p_response -> 'answer', '$.answer')
    end;
    if v_problem is not null then
        raise exception 'the answer to interaction % does not fit: %', p_interaction_id, v_problem
            using errcode = 'OR042', detail = left(p_response::text, 500),
            hint = format('this %s allows %s', v_type, v_interaction.request_data -> 'allowed_decisions');
    end if;

    -- Answers to one interaction take turns on its task's row lock (the order every path
    -- locks in: the task, then the interaction).
    select * into v_task from public.ai_tasks as t where t.id = v_interaction.task_id for update;
    select * into v_interaction from public.human_interactions as i where i.id = p_interaction_id;

    if v_interaction.status <> 'pending' then
        v_outcome := 'late';
    elsif exists (
        select from public.interaction_answers as a
        where a.interaction_id = p_interaction_id and a.responder_key = p_responder_key and a.outcome in ('counted', 'settled')
    ) then
        v_outcome := 'duplicate';
    end if;
    if v_outcome is not null then
        insert into public.interaction_answers (
            interaction_id, owner_id, responder_key, responder_id, channel, decision, response, outcome, hil_response_id
        )
        values (
            p_interaction_id, v_interaction.owner_id, p_responder_key, p_responder_id, p_channel, v_decision, p_response,
            v_outcome, p_hil_response_id
        );
        perform orchable._log_event(
            v_interaction.batch_id, v_interaction.task_id, 'interaction', 'answered',
            jsonb_build_object('interaction_id', p_interaction_id, 'outcome', v_outcome, 'responder_key', p_responder_key,
                'channel', p_channel),
            format('An answer from %s came %s', p_responder_key,
                case v_outcome when 'late' then 'after the ' || v_interaction.status else 'twice: the first counts' end),
            'business', 'warning'
        );
        return query select v_outcome, v_interaction.status, v_interaction.approvals, v_interaction.required_approvals;
        return;
    end if;

    insert into public.interaction_answers (
        interaction_id, owner_id, responder_key, responder_id, channel, decision, response, outcome, hil_response_id
    )
    values (
        p_interaction_id, v_interaction.owner_id, p_responder_key, p_responder_id, p_channel, v_decision, p_response,
        'counted', p_hil_response_id
    );
    select count(*)::integer into v_approvals
    from public.interaction_answers as a
    where a.interaction_id = p_interaction_id and a.outcome in ('counted', 'settled') and a.decision = 'approve';
    update public.human_interactions as i set approvals = v_approvals, updated_at = now() where i.id = p_interaction_id;

    -- A quorum short of approvals waits for more; any rejection settles it at once.
    if v_decision = 'approve' and v_approvals < v_interaction.required_approvals then
        perform orchable._log_event(
            v_interaction.batch_id, v_interaction.task_id, 'interaction', 'answered',
            jsonb_build_object('interaction_id', p_interaction_id, 'outcome', 'counted', 'responder_key', p_responder_key,
                'channel', p_channel, 'approvals', v_approvals, 'required_approvals', v_interaction.required_approvals),
            format('Approved by %s: %s of %s approvals', p_responder_key, v_approvals, v_interaction.required_approvals)
        );
        return query select 'counted'::text, 'pending'::text, v_approvals, v_interaction.required_approvals;
        return;
    end if;

    -- The latest approving answer that carries an edit gives the output.
    select a.response -> 'output' into v_edit
    from public.interaction_answers as a
    where a.interaction_id = p_interaction_id and a.outcome = 'counted' and a.decision = 'approve' and a.response ? 'output'
    order by a.id desc
    limit 1;
    v_output := coalesce(v_edit, v_task.output_data);
    v_answer := case v_type
        when 'selection' then p_response -> 'choice'
        when 'input' then p_response -> 'answer'
        when 'review' then jsonb_strip_nulls(jsonb_build_object(
            'decision', v_decision, 'comment', p_response -> 'comment', 'score', p_response -> 'score'))
    end;
    if v_answer is not null then
        v_output := case when jsonb_typeof(v_output) = 'object' then v_output
            else jsonb_build_object('output', v_output) end || jsonb_build_object(v_answer_key, v_answer);
    end if;
    v_response_data := jsonb_strip_nulls(jsonb_build_object(
        'decision', v_decision,
        'answer', v_answer,
        'reason', coalesce(p_response ->> 'reason', p_response ->> 'comment'),
        'responder_key', p_responder_key,
        'channel', p_channel,
        'approvals', case when v_decision = 'approve' then v_approvals end,
        -- An edit keeps the output before and after it.
        'output_before', case when v_edit is not null then v_task.output_data end,
        'output_after', v_edit
    ));
    update public.interaction_answers as a set outcome = 'settled'
    where a.id = (select max(b.id) from public.interaction_answers as b where b.interaction_id = p_interaction_id);

    if v_decision = 'reject' then
        v_regenerate := coalesce((p_response ->> 'regenerate')::boolean, v_interaction.request_data ->> 'on_reject' = 'regenerate');
        perform orchable._settle_interaction(
            p_interaction_id, 'responded', 'rejected', v_response_data,
            case when v_regenerate then 'regenerate' else 'fail' end,
            null, 'OR043', 'rejected: ' || coalesce(p_response ->> 'reason', p_response ->> 'comment')
        );
    else
        perform orchable._settle_interaction(
            p_interaction_id, 'responded',
            case v_type when 'approval' then 'approved' when 'selection' then 'selected' when 'input' then 'answered' else 'reviewed' end,
            v_response_data, 'complete', v_output
        );
    end if;
    return query select 'settled'::text, 'responded'::text, v_approvals, v_interaction.required_approvals;
end
$$;

comment on function orchable._answer_interaction(uuid, text, uuid, text, jsonb, uuid) is
'Takes one answer to an interaction from any channel, appends it to interaction_answers and settles the interaction when it decides it; returns settled, counted, late or duplicate. OR039 unknown interaction, OR042 an answer that does not fit.';

-- functions/interactions/1125__interaction_endpoints.sql
-- The owner's active notification endpoints an interaction is sent through: those of the
-- asked channels' kinds, narrowed to the named ones when the stage names endpoints.
create or replace function orchable._interaction_endpoints(p_owner_id uuid, p_channels jsonb, p_names jsonb)
returns uuid[]
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
    select coalesce(array_agg(e.id order by e.name), '{}')
    from public.notification_endpoints as e
    where e.owner_id = p_owner_id
        and e.is_active
        and p_channels ? e.kind
        and (p_names is null or p_names ? e.name)
$$;

comment on function orchable._interaction_endpoints(uuid, jsonb, jsonb) is
'The owner''s active endpoints of the asked channels (only the named ones when names are given).';

-- functions/interactions/1126__next_interaction_step.sql
-- When tick() next acts on an open interaction: its next reminder, its next escalation
-- step or its timeout, whichever comes first; null when none is left.
create or replace function orchable._next_interaction_step(p_interaction public.human_interactions)
returns timestamptz
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
    select least(
        p_interaction.created_at + (p_interaction.policy -> 'reminders' ->> p_interaction.reminders_sent)::interval,
        p_interaction.created_at
            + (p_interaction.policy -> 'escalation' -> p_interaction.escalation_level ->> 'after')::interval,
        p_interaction.timeout_at
    )
$$;

comment on function orchable._next_interaction_step(public.human_interactions) is
'The time of an interaction''s next reminder, escalation step or timeout, whichever is first; null when none is left.';

-- functions/interactions/1127__tell_people.sql
-- Sends an interaction's question (or a reminder or an escalation of it) through the
-- outbox to the given endpoints, in the caller's transaction.
create or replace function orchable._tell_people(p_interaction public.human_interactions, p_kind text, p_endpoint_ids uuid[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    if cardinality(p_endpoint_ids) = 0 then
        return;
    end if;
    perform orchable._notify(
        p_interaction.owner_id, p_kind,
        case p_kind
            when 'interaction.reminder' then 'Reminder: '
            when 'interaction.escalated' then 'Escalated: '
            else ''
        end || (p_interaction.request_data ->> 'message'),
        jsonb_build_object(
            'interaction_id', p_interaction.id,
            'interaction_type', p_interaction.interaction_type,
            'message', p_interaction.request_data ->> 'message',
            'priority', p_interaction.priority,
            'request', p_interaction.request_data,
            'timeout_at', p_interaction.timeout_at,
            'batch_id', p_interaction.batch_id,
            'task_id', p_interaction.task_id,
            'stage_key', p_interaction.stage_key,
            'correlation_id', p_interaction.correlation_id
        ),
        null, null, p_endpoint_ids
    );
end
$$;

comment on function orchable._tell_people(public.human_interactions, text, uuid[]) is
'Writes an interaction.requested, .reminder or .escalated notification with one delivery per given endpoint.';

-- functions/interactions/1130__tg_ai_tasks__ask_people.sql
-- A task that enters generated waits for people: its interaction is written here, in the
-- transaction that stores the output, so no answer can arrive before the question exists
-- and every answer names this interaction's id. The stage's `interaction` says what is
-- asked (requires_approval alone is an in-app approval with no timeout). A task that
-- leaves generated without an answer (its batch cancelled) cancels its open interaction;
-- after an answer or a timeout the interaction is already settled and nothing happens.
create or replace function orchable.tg_ai_tasks__ask_people()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_template public.prompt_templates;
    v_config jsonb;
    v_parsed record;
    v_rendered record;
    v_message text;
    v_endpoint_ids uuid [];
    v_interaction public.human_interactions;
    v_timeout interval;
begin
    if old.status = 'generated' then
        update public.human_interactions
        set status = 'cancelled', outcome = 'cancelled', responded_at = now(), next_step_at = null, updated_at = now()
        where task_id = new.id and status = 'pending'
        returning * into v_interaction;
        if found then
            update public.batch_pauses
            set status = 'cancelled', resumed_at = now(), resume_trigger = 'cancel', updated_at = now()
            where interaction_id = v_interaction.id and status = 'active';
            perform orchable._log_event(
                new.batch_id, new.id, 'interaction', 'cancelled',
                jsonb_build_object('interaction_id', v_interaction.id, 'task_status', new.status),
                format('The %s was cancelled: the task is %s', v_interaction.interaction_type, new.status)
            );
        end if;
        return null;
    end if;

    select * into v_template from public.prompt_templates as p where p.id = new.prompt_template_id;
    v_config := coalesce(v_template.stage_config -> 'interaction', jsonb_build_object(
        'type', 'approval', 'channels', jsonb_build_array('in_app'), 'required_approvals', 1, 'priority', 'normal',
        'answer_key', 'human', 'on_reject', 'regenerate'
    ));
    v_message := v_config ->> 'message';
    if v_message is not null then
        v_parsed := orchable._parse_template(v_message);
        v_rendered := orchable._render_template(
            v_parsed.parts, v_parsed.names, new.input_data || jsonb_build_object('output', new.output_data), 4000
        );
        v_message := coalesce(v_rendered.rendered, v_message);
    end if;
    v_message := left(coalesce(v_message, case v_config ->> 'type'
        when 'approval' then format('Approve the output of "%s"?', coalesce(v_template.name, new.stage_key))
        when 'review' then format('Review the output of "%s"', coalesce(v_template.name, new.stage_key))
        when 'selection' then format('Choose for "%s"', coalesce(v_template.name, new.stage_key))
        else format('Answer for "%s"', coalesce(v_template.name, new.stage_key))
    end), 4000);
    v_endpoint_ids := orchable._interaction_endpoints(new.owner_id, v_config -> 'channels', v_config -> 'endpoints');
    v_timeout := (v_config ->> 'timeout')::interval;

    insert into public.human_interactions (
        id, owner_id, orchestrator_id, batch_id, task_id, stage_key, interaction_type, channel_type, channels,
        endpoint_ids, responder_ids, priority, required_approvals, request_data, timeout_at, on_timeout,
        correlation_id, policy
    )
    select
        v.id, new.owner_id, new.orchestrator_id, new.batch_id, new.id, new.stage_key, v_config ->> 'type',
        v_config -> 'channels' ->> 0,
        array(select jsonb_array_elements_text(v_config -> 'channels')),
        v_endpoint_ids,
        case when v_config ? 'responders'
            then array(select r::uuid from jsonb_array_elements_text(v_config -> 'responders') as r)
            else array[new.owner_id]
        end,
        v_config ->> 'priority',
        (v_config ->> 'required_approvals')::integer,
        jsonb_strip_nulls(jsonb_build_object(
            'message', v_message,
            'input', new.input_data,
            'output', new.output_data,
            'options', v_config -> 'options',
            'input_schema', v_config -> 'input_schema',
            'allowed_decisions', case v_config ->> 'type'
                when 'selection' then '["select", "reject"]'::jsonb
                when 'input' then '["answer", "reject"]'::jsonb
                else '["approve", "reject"]'::jsonb
            end,
            'answer_key', v_config -> 'answer_key',
            'on_reject', v_config -> 'on_reject'
        )),
        now() + v_timeout,
        coalesce(v_config ->> 'on_timeout', 'reject'),
        'orchable:' || v.id,
        jsonb_strip_nulls(jsonb_build_object(
            'timeout', v_config -> 'timeout',
            'reminders', v_config -> 'reminders',
            'escalation', v_config -> 'escalation',
            'default', v_config -> 'default'
        ))
    from (select orchable.time_ordered_uuid() as id) as v
    returning * into v_interaction;

    update public.human_interactions
    set next_step_at = orchable._next_interaction_step(v_interaction)
    where id = v_interaction.id
    returning * into v_interaction;

    insert into public.batch_pauses (owner_id, batch_id, task_id, interaction_id, reason, detail)
    values (new.owner_id, new.batch_id, new.id, v_interaction.id, 'interaction',
        jsonb_build_object('interaction_type', v_interaction.interaction_type, 'timeout_at', v_interaction.timeout_at));
    perform orchable._log_event(
        new.batch_id, new.id, 'interaction', 'requested',
        jsonb_build_object('interaction_id', v_interaction.id, 'interaction_type', v_interaction.interaction_type,
            'channels', v_interaction.channels, 'timeout_at', v_interaction.timeout_at),
        'Waiting for people: ' || left(v_message, 200)
    );
    perform orchable._tell_people(v_interaction, 'interaction.requested', v_endpoint_ids);
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__ask_people() is
'Row trigger: a task entering generated opens its interaction (and asks through its channels); one leaving generated unanswered cancels it.';

drop trigger if exists ai_tasks_20_ask_people on public.ai_tasks;
create trigger ai_tasks_20_ask_people
after update of status on public.ai_tasks
for each row
when (new.status is distinct from old.status and (new.status = 'generated' or old.status = 'generated'))
execute function orchable.tg_ai_tasks__ask_people();

-- functions/interactions/1140__advance_interactions.sql
-- tick()'s step for people: every open interaction whose next step is due gets it, each
-- exactly once: a reminder to its endpoints, an escalation step (more endpoints and
-- responders), or its timeout, which settles it as a timeout (never as a person's
-- rejection) and does what the stage says: reject (the task fails, OR040), approve (the
-- output, with the stage's default answer), fail (OR041), cancel_batch, or escalate (the
-- escalation steps not taken yet are taken now, and after one more timeout it rejects).
-- The task is locked before the interaction, as answers lock; one being answered now is
-- skipped and done at the next tick. Returns the steps taken.
create or replace function orchable._advance_interactions(p_now timestamptz, p_limit bigint)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_due record;
    v_interaction public.human_interactions;
    v_step jsonb;
    v_new_endpoints uuid [];
    v_steps integer := 0;
    v_answer jsonb;
    v_output jsonb;
begin
    for v_due in
        select i.id, i.task_id
        from public.human_interactions as i
        where i.status = 'pending' and i.next_step_at <= p_now
        order by i.next_step_at
        limit p_limit
    loop
        perform from public.ai_tasks as t where t.id = v_due.task_id for update skip locked;
        continue when not found;
        select * into v_interaction from public.human_interactions as i
        where i.id = v_due.id and i.status = 'pending' and i.next_step_at <= p_now
        for update;
        continue when not found;

        if v_interaction.timeout_at <= p_now and v_interaction.on_timeout <> 'escalate' then
            v_answer := v_interaction.policy -> 'default';
            v_output := coalesce((select t.output_data from public.ai_tasks as t where t.id = v_interaction.task_id), 'null');
            if v_answer is not null then
                v_output := case when jsonb_typeof(v_output) = 'object' then v_output
                    else jsonb_build_object('output', v_output) end
                    || jsonb_build_object(v_interaction.request_data ->> 'answer_key', v_answer);
            end if;
            perform orchable._settle_interaction(
                v_interaction.id, 'timeout', 'timeout_' || case v_interaction.on_timeout
                    when 'reject' then 'rejected' when 'approve' then 'approved' when 'fail' then 'failed'
                    else 'cancelled_batch' end,
                jsonb_strip_nulls(jsonb_build_object('on_timeout', v_interaction.on_timeout,
                    'timeout_at', v_interaction.timeout_at, 'answer', case when v_interaction.on_timeout = 'approve' then v_answer end)),
                case v_interaction.on_timeout when 'reject' then 'fail' when 'approve' then 'complete' else v_interaction.on_timeout end,
                v_output,
                case v_interaction.on_timeout when 'reject' then 'OR040' when 'fail' then 'OR041' end,
                format('nobody answered the %s by %s: %s', v_interaction.interaction_type, v_interaction.timeout_at,
                    case v_interaction.on_timeout
                        when 'reject' then 'rejected' when 'fail' then 'failed'
                        when 'cancel_batch' then 'the batch is cancelled' else 'approved' end)
            );
        elsif v_interaction.timeout_at <= p_now
            or v_interaction.created_at + (v_interaction.policy -> 'escalation' -> v_interaction.escalation_level ->> 'after')::interval
            <= p_now then
            -- An escalation step; at an escalating timeout, every step not taken yet, and a
            -- second round that rejects when it runs out.
            for v_step in
                select s.step from jsonb_array_elements(v_interaction.policy -> 'escalation') with ordinality as s (step, position)
                where s.position > v_interaction.escalation_level
                    and (v_interaction.timeout_at <= p_now or s.position = v_interaction.escalation_level + 1)
                order by s.position
            loop
                v_new_endpoints := array(
                    select e from unnest(orchable._interaction_endpoints(
                        v_interaction.owner_id, '["email", "webhook", "slack"]', coalesce(v_step -> 'endpoints', '[]')
                    )) as e
                    except select unnest(v_interaction.endpoint_ids)
                );
                update public.human_interactions
                set escalation_level = escalation_level + 1,
                    endpoint_ids = endpoint_ids || v_new_endpoints,
                    responder_ids = array(
                        select distinct r from unnest(responder_ids || array(
                            select jsonb_array_elements_text(coalesce(v_step -> 'responders', '[]'))::uuid
                        )) as r
                    ),
                    updated_at = now()
                where id = v_interaction.id
                returning * into v_interaction;
                perform orchable._log_event(
                    v_interaction.batch_id, v_interaction.task_id, 'interaction', 'escalated',
                    jsonb_build_object('interaction_id', v_interaction.id, 'level', v_interaction.escalation_level, 'step', v_step),
                    format('Nobody answered yet: escalated (step %s)', v_interaction.escalation_level), 'business', 'warning'
                );
                perform orchable._tell_people(v_interaction, 'interaction.escalated', v_interaction.endpoint_ids);
            end loop;
            if v_interaction.timeout_at <= p_now then
                update public.human_interactions
                set on_timeout = 'reject', timeout_at = p_now + (policy ->> 'timeout')::interval, updated_at = now()
                where id = v_interaction.id
                returning * into v_interaction;
            end if;
        else
            update public.human_interactions
            set reminders_sent = reminders_sent + 1, updated_at = now()
            where id = v_interaction.id
            returning * into v_interaction;
            perform orchable._log_event(
                v_interaction.batch_id, v_interaction.task_id, 'interaction', 'reminded',
                jsonb_build_object('interaction_id', v_interaction.id, 'reminder', v_interaction.reminders_sent),
                format('Nobody answered yet: reminder %s sent', v_interaction.reminders_sent)
            );
            perform orchable._tell_people(v_interaction, 'interaction.reminder', v_interaction.endpoint_ids);
        end if;
        update public.human_interactions
        set next_step_at = orchable._next_interaction_step(v_interaction)
        where id = v_interaction.id and status = 'pending';
        v_steps := v_steps + 1;
    end loop;
    return v_steps;
end
$$;

comment on function orchable._advance_interactions(timestamptz, bigint) is
'tick()''s step for people: sends due reminders, takes due escalation steps and applies due timeouts, each exactly once; returns the steps taken.';

-- functions/interactions/1150_respond_to_interaction.sql
-- SECURITY DEFINER: users cannot write interactions or tasks directly. The caller must be
-- the interaction's owner or one of its responders; anyone else is told it does not exist.
create or replace function orchable_rpc.respond_to_interaction(p_interaction_id uuid, p_response jsonb)
returns table (outcome text, status text, approvals integer, required_approvals integer)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_user_id uuid := auth.uid();
begin
    if v_user_id is null or not exists (
        select from public.human_interactions as i
        where i.id = p_interaction_id and (i.owner_id = v_user_id or v_user_id = any(i.responder_ids))
    ) then
        raise exception 'interaction % not found', p_interaction_id
            using errcode = 'OR039', hint = 'answer an interaction of v_my_interactions, signed in as one of its responders';
    end if;
    return query select * from orchable._answer_interaction(
        p_interaction_id, 'user:' || v_user_id, v_user_id, 'in_app', p_response
    );
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.respond_to_interaction(p_interaction_id uuid, p_response jsonb)
returns table (outcome text, status text, approvals integer, required_approvals integer)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.respond_to_interaction(p_interaction_id, p_response);
end
$$;

comment on function orchable_rpc.respond_to_interaction(uuid, jsonb) is
'The implementation of public.respond_to_interaction, run with its owner''s rights; callable by the roles that may call public.respond_to_interaction.';

comment on function public.respond_to_interaction(uuid, jsonb) is
'Answers an interaction as the signed-in user (its owner or a responder). p_response: {"decision": "approve", "output": <edited, optional>} or {"decision": "reject", "reason": ..., "regenerate": bool} (approval, review with "comment" and "score"); {"choice": <option value>} (selection); {"answer": <fits input_schema>} (input).
Returns outcome settled (it decided), counted (approvals short of the quorum), late (already settled: nothing changed) or duplicate (you had answered: nothing changed). OR039 not found (or not yours to answer); OR042 an answer that does not fit.';

revoke all on function orchable_rpc.respond_to_interaction(uuid, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.respond_to_interaction(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.respond_to_interaction(uuid, jsonb) to authenticated;
grant execute on function public.respond_to_interaction(uuid, jsonb) to authenticated;

-- functions/tasks/0490_approve_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here. The
-- approval is an answer to the task's interaction (one outcome, decided once).
create or replace function orchable_rpc.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
    v_outcome text;
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be approved';
    end if;
    perform orchable._check_json_limits(p_output, 'p_output');
    -- The owner's answer to the task's open interaction, as respond_to_interaction takes it.
    select a.outcome into v_outcome
    from public.human_interactions as i
    cross join lateral orchable._answer_interaction(
        i.id, 'user:' || coalesce(auth.uid(), v_task.owner_id), coalesce(auth.uid(), v_task.owner_id), 'in_app',
        jsonb_strip_nulls(jsonb_build_object('decision', 'approve', 'output', p_output))
    ) as a
    where i.task_id = p_task_id and i.status = 'pending';
    return case v_outcome when 'settled' then 'completed' else 'generated' end;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.approve_task(p_task_id uuid, p_output jsonb default null)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.approve_task(p_task_id, p_output);
end
$$;

comment on function orchable_rpc.approve_task(uuid, jsonb) is
'The implementation of public.approve_task, run with its owner''s rights; callable by the roles that may call public.approve_task.';

comment on function public.approve_task(uuid, jsonb) is
'Approves a generated task (optionally with an edited output) by answering its interaction: it completes and its children are created, or stays generated while a quorum is short (returns generated). OR007 not awaiting approval; OR042 its interaction asks for something else (respond_to_interaction).';

revoke all on function orchable_rpc.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
revoke all on function public.approve_task(uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.approve_task(uuid, jsonb) to authenticated, service_role;
grant execute on function public.approve_task(uuid, jsonb) to authenticated, service_role;

-- functions/tasks/0500_reject_task.sql
-- SECURITY DEFINER: users cannot update tasks directly; ownership is checked here. The
-- rejection is an answer to the task's interaction (one outcome, decided once).
create or replace function orchable_rpc.reject_task(p_task_id uuid, p_reason text, p_regenerate boolean default true)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_task public.ai_tasks := orchable._lock_owned_task(p_task_id);
begin
    if v_task.status <> 'generated' then
        raise exception 'task % is %, not awaiting approval', p_task_id, v_task.status
            using errcode = 'OR007', hint = 'only a generated task of a stage that requires approval can be rejected';
    end if;
    if coalesce(btrim(p_reason), '') = '' then
        raise exception 'a rejection needs a reason'
            using errcode = 'OR003', hint = 'say what is wrong with the output';
    end if;
    -- The owner's answer to the task's open interaction, as respond_to_interaction takes it.
    perform
    from public.human_interactions as i
    cross join lateral orchable._answer_interaction(
        i.id, 'user:' || coalesce(auth.uid(), v_task.owner_id), coalesce(auth.uid(), v_task.owner_id), 'in_app',
        jsonb_build_object('decision', 'reject', 'reason', p_reason, 'regenerate', coalesce(p_regenerate, true))
    ) as a
    where i.task_id = p_task_id and i.status = 'pending';
    return case when coalesce(p_regenerate, true) then 'plan' else 'failed' end;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.reject_task(p_task_id uuid, p_reason text, p_regenerate boolean default true)
returns text
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable_rpc.reject_task(p_task_id, p_reason, p_regenerate);
end
$$;

comment on function orchable_rpc.reject_task(uuid, text, boolean) is
'The implementation of public.reject_task, run with its owner''s rights; callable by the roles that may call public.reject_task.';

comment on function public.reject_task(uuid, text, boolean) is
'Rejects a generated task by answering its interaction: regenerates it (back to plan with its retries restored) or fails it for good.';

revoke all on function orchable_rpc.reject_task(uuid, text, boolean) from public, anon, authenticated, service_role;
revoke all on function public.reject_task(uuid, text, boolean) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.reject_task(uuid, text, boolean) to authenticated, service_role;
grant execute on function public.reject_task(uuid, text, boolean) to authenticated, service_role;

-- functions/monitors/0990_tick.sql
-- tick() returns one more column: dropped first.
drop function public.tick(timestamptz);
drop function orchable_rpc.tick(timestamptz);
-- SECURITY DEFINER: the scheduler reads every owner's monitors and triggers. Called every
-- few seconds by pg_cron where the database has it, else by workers (orchable worker
-- --tick-seconds). Each due row is locked with SKIP LOCKED and moved to its next time in
-- the transaction that starts it, so ticks running at once start each due run exactly
-- once; runs missed while nothing ticked collapse into one (the next time is the first
-- after now, not after the missed one). All start in one pass; when one cannot start, the
-- pass is undone and made again with a savepoint per row, so that one fails alone (its
-- schedule moves on and the error is kept) and the others start. Then the open
-- interactions' due reminders, escalation steps and timeouts, each once.
create or replace function orchable_rpc.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer, interaction_steps integer)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_now timestamptz := coalesce(p_now, now());
    v_limit bigint := orchable._limit('runs_per_tick');
begin
    begin
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, false);
    exception when others then
        monitor_runs := orchable._start_due_monitors(v_now, v_limit, true);
    end;
    begin
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, false);
    exception when others then
        trigger_launches := orchable._launch_due_triggers(v_now, v_limit, true);
    end;
    interaction_steps := orchable._advance_interactions(v_now, v_limit);
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create or replace function public.tick(p_now timestamptz default null)
returns table (monitor_runs integer, trigger_launches integer, interaction_steps integer)
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
'Scheduler only (pg_cron, workers, service_role). Starts every monitor run and cron trigger launch due at p_now (default now(), at most runs_per_tick of each) and moves each to its next time after p_now; then sends due interaction reminders, takes escalation steps and applies timeouts. Safe to call from many processes at once (each due run starts once, each step is taken once). Returns how many runs, launches and interaction steps it started.';

revoke all on function orchable_rpc.tick(timestamptz) from public, anon, authenticated, service_role;
revoke all on function public.tick(timestamptz) from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.tick(timestamptz) to orchable_worker, service_role;
grant execute on function public.tick(timestamptz) to orchable_worker, service_role;

-- Tasks already waiting for approval get the interaction they would have today: an in-app
-- approval by the owner, no timeout (approve_task and reject_task now answer it).
insert into public.human_interactions (
    id, owner_id, orchestrator_id, batch_id, task_id, stage_key, interaction_type, channel_type, channels,
    responder_ids, request_data, correlation_id
)
select
    t.interaction_id, t.owner_id, t.orchestrator_id, t.batch_id, t.id, t.stage_key, 'approval', 'in_app', array['in_app'],
    array[t.owner_id],
    jsonb_build_object(
        'message', format('Approve the output of "%s"?', t.stage_name), 'input', t.input_data,
        'output', t.output_data, 'allowed_decisions', '["approve", "reject"]'::jsonb, 'answer_key', 'human',
        'on_reject', 'regenerate'
    ),
    'orchable:' || t.interaction_id
from (
    select orchable.time_ordered_uuid() as interaction_id, t.*, coalesce(p.name, t.stage_key) as stage_name
    from public.ai_tasks as t
    left join public.prompt_templates as p on p.id = t.prompt_template_id
    where t.status = 'generated'
) as t;

revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
