-- Pipelines and task drivers the pgTAP files share (never deployed).

-- A course builder: an outline (1:1) whose questions are split (1:N) into one task each,
-- merged back (N:1) into a quiz under "answers".
create or replace function tests.seed_course_pipeline(p_owner_id uuid, p_name text default 'course')
returns uuid
language sql
as $$
    select (public.upsert_orchestrator(jsonb_build_object(
        'name', p_name,
        'owner_id', p_owner_id,
        'entry', 'outline',
        'stages', jsonb_build_array(
            jsonb_build_object('key', 'outline', 'template', 'Outline {{topic}}', 'next', jsonb_build_array('question')),
            jsonb_build_object('key', 'question', 'template', 'Answer {{item.text}}', 'cardinality', '1:N',
                'split_path', 'questions', 'next', jsonb_build_array('quiz'),
                'input_mapping', jsonb_build_object('topic', 'input.topic')),
            jsonb_build_object('key', 'quiz', 'template', 'Quiz from {{answers}}', 'cardinality', 'N:1',
                'merge_path', 'answers', 'input_mapping', jsonb_build_object('topic', 'input.topic'))
        )
    ))).id
$$;

-- One stage, nothing after it.
create or replace function tests.seed_single_stage_pipeline(
    p_owner_id uuid, p_name text default 'single', p_max_retries integer default 3
)
returns uuid
language sql
as $$
    select (public.upsert_orchestrator(jsonb_build_object(
        'name', p_name,
        'owner_id', p_owner_id,
        'entry', 'answer',
        'stages', jsonb_build_array(jsonb_build_object(
            'key', 'answer', 'template', 'Answer {{question}}', 'max_retries', p_max_retries))
    ))).id
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
