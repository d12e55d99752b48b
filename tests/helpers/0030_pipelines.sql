-- Pipelines and task drivers the pgTAP files and pytest (tests/support/) share (never deployed).

-- The output_schemas of the course builder's stages, by name: 'questions' (the outline's),
-- 'answer' (a question's) and 'quiz'.
create or replace function tests.output_schema(p_name text)
returns jsonb
language plpgsql
immutable
as $$
declare
    v_schema jsonb;
begin
    v_schema := case p_name
        when 'questions' then jsonb_build_object(
            'type', 'object', 'required', jsonb_build_array('questions'),
            'properties', jsonb_build_object('questions', jsonb_build_object(
                'type', 'array', 'items', jsonb_build_object(
                    'type', 'object', 'required', jsonb_build_array('text'),
                    'properties', jsonb_build_object('text', jsonb_build_object('type', 'string'))))))
        when 'answer' then jsonb_build_object(
            'type', 'object', 'required', jsonb_build_array('answer'),
            'properties', jsonb_build_object('answer', jsonb_build_object('type', 'string')))
        when 'quiz' then jsonb_build_object(
            'type', 'object', 'required', jsonb_build_array('title'),
            'properties', jsonb_build_object('title', jsonb_build_object('type', 'string')))
    end;
    if v_schema is null then
        raise exception 'tests.output_schema knows no schema named %', p_name;
    end if;
    return v_schema;
end
$$;

-- The course builder, the one definition every test runs (pgTAP here, pytest through
-- tests/support/pipelines.py): an outline (1:1) whose questions are split (1:N) into one
-- task each, merged back (N:1) into a quiz under "answers". p_max_retries and
-- p_ai_settings go on every stage when given; p_output_schemas gives every stage the
-- output_schema the worker checks its output against.
create or replace function tests.course_pipeline(
    p_owner_id uuid default null,
    p_name text default 'course',
    p_max_retries integer default null,
    p_ai_settings jsonb default null,
    p_output_schemas boolean default false
)
returns jsonb
language sql
immutable
as $$
    select jsonb_build_object('name', p_name, 'entry', 'outline', 'stages', jsonb_agg(
            s.stage
            || case when p_max_retries is null then '{}' else jsonb_build_object('max_retries', p_max_retries) end
            || case when p_ai_settings is null then '{}' else jsonb_build_object('ai_settings', p_ai_settings) end
            || case when p_output_schemas then jsonb_build_object('output_schema', tests.output_schema(s.schema_name)) else '{}' end
            order by s.position))
        || case when p_owner_id is null then '{}' else jsonb_build_object('owner_id', p_owner_id) end
    from (values
        (1, 'questions', jsonb_build_object('key', 'outline', 'template', 'Outline {{topic}}',
            'next', jsonb_build_array('question'))),
        (2, 'answer', jsonb_build_object('key', 'question', 'template', 'Answer {{item.text}}',
            'cardinality', '1:N', 'split_path', 'questions', 'next', jsonb_build_array('quiz'),
            'input_mapping', jsonb_build_object('topic', 'input.topic'))),
        (3, 'quiz', jsonb_build_object('key', 'quiz', 'template', 'Quiz from {{answers}}',
            'cardinality', 'N:1', 'merge_path', 'answers',
            'input_mapping', jsonb_build_object('topic', 'input.topic')))
    ) as s (position, schema_name, stage)
$$;

drop function if exists tests.seed_course_pipeline(uuid, text);
create or replace function tests.seed_course_pipeline(
    p_owner_id uuid,
    p_name text default 'course',
    p_max_retries integer default null,
    p_ai_settings jsonb default null,
    p_output_schemas boolean default false
)
returns uuid
language sql
as $$
    select (public.upsert_orchestrator(
        tests.course_pipeline(p_owner_id, p_name, p_max_retries, p_ai_settings, p_output_schemas)
    )).id
$$;

-- One stage, nothing after it: an answer to {{question}}.
create or replace function tests.single_stage_pipeline(
    p_owner_id uuid default null,
    p_name text default 'single',
    p_max_retries integer default 3,
    p_ai_settings jsonb default null,
    p_output_schema jsonb default null
)
returns jsonb
language sql
immutable
as $$
    select jsonb_build_object('name', p_name, 'entry', 'answer', 'stages', jsonb_build_array(
            jsonb_build_object('key', 'answer', 'template', 'Answer {{question}}', 'max_retries', p_max_retries)
            || case when p_ai_settings is null then '{}' else jsonb_build_object('ai_settings', p_ai_settings) end
            || case when p_output_schema is null then '{}' else jsonb_build_object('output_schema', p_output_schema) end))
        || case when p_owner_id is null then '{}' else jsonb_build_object('owner_id', p_owner_id) end
$$;

drop function if exists tests.seed_single_stage_pipeline(uuid, text, integer);
create or replace function tests.seed_single_stage_pipeline(
    p_owner_id uuid,
    p_name text default 'single',
    p_max_retries integer default 3,
    p_ai_settings jsonb default null,
    p_output_schema jsonb default null
)
returns uuid
language sql
as $$
    select (public.upsert_orchestrator(
        tests.single_stage_pipeline(p_owner_id, p_name, p_max_retries, p_ai_settings, p_output_schema)
    )).id
$$;

-- Claims one given task the way claim_tasks leases it, and returns its claim token.
create or replace function tests.claim(p_task_id uuid)
returns uuid
language sql
as $$
    update public.ai_tasks
    set status = 'processing', claim_token = gen_random_uuid(), locked_by = 'tests',
        locked_until = now() + interval '5 minutes', claim_count = claim_count + 1,
        started_at = coalesce(started_at, now())
    where id = p_task_id and status = 'plan'
    returning claim_token
$$;

-- Claims a given task and completes it with an output; returns complete_task's answer.
create or replace function tests.complete(p_task_id uuid, p_output jsonb)
returns text
language sql
as $$
    select public.complete_task(p_task_id, tests.claim(p_task_id), p_output)
$$;

-- The id of the task of a batch at a stage (and branch).
create or replace function tests.task_id(p_batch_id uuid, p_stage_key text, p_branch_index integer default null)
returns uuid
language sql
as $$
    select id from public.ai_tasks
    where batch_id = p_batch_id and stage_key = p_stage_key
        and branch_index is not distinct from coalesce(p_branch_index, branch_index)
    order by created_at, branch_index
    limit 1
$$;

-- Counts recomputed from the tasks, to compare with a batch's counters.
create or replace function tests.recount(p_batch_id uuid, out completed_tasks integer, out failed_tasks integer)
language sql
as $$
    select
        count(*) filter (where not exists (
            select from public.ai_tasks as t
            where t.root_task_id = r.id and t.status in ('plan', 'processing', 'generated', 'failed', 'cancelled')
        ))::integer,
        count(*) filter (where exists (
            select from public.ai_tasks as t where t.root_task_id = r.id and t.status = 'failed'
        ))::integer
    from public.ai_tasks as r
    where r.batch_id = p_batch_id and r.parent_task_id is null
$$;
