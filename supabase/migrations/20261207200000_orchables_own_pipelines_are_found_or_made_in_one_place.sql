-- Delta from the sources below, written by scripts/new-migration.sh.

-- functions/pipelines/0135__system_pipeline.sql
-- A pipeline orchable makes for an owner on first use (their monitors' runs, the reading of
-- their free-text answers): found by its name among the owner's pipelines, else made from
-- p_definition (upsert_orchestrator's argument, its owner_id given here). It is an
-- ordinary pipeline of theirs: its costs and tasks show as any other's, and an owner who
-- edits it edits what orchable runs there.
create or replace function orchable._system_pipeline(p_owner_id uuid, p_definition jsonb)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid;
begin
    select o.id into v_id from public.orchestrators as o
    where o.owner_id = p_owner_id and o.name = p_definition ->> 'name';
    if found then
        return v_id;
    end if;
    return (orchable_rpc.upsert_orchestrator(p_definition || jsonb_build_object('owner_id', p_owner_id))).id;
end
$$;

comment on function orchable._system_pipeline(uuid, jsonb) is
'The id of the owner''s pipeline named p_definition ->> ''name'', made from p_definition on first use (the monitors'' and the answers'' pipelines).';

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
begin
    return orchable._system_pipeline(p_owner_id, jsonb_build_object(
        'name', 'monitors (orchable)',
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
    ));
end
$$;

comment on function orchable._monitor_pipeline(uuid) is
'The id of the owner''s "monitors (orchable)" pipeline (one grounded_search stage, "check"), made on first use.';

-- functions/interactions/1142__answer_reader_pipeline.sql
-- The pipeline an owner's free-text answers are read in, made on the first one: one stage
-- that reads a reply (a Slack thread reply, a webhook's prose) against the question it
-- answers and says how relevant it is, the decision it reads and why. It is an ordinary
-- pipeline of theirs ("answers (orchable)"): its costs and tasks show as any other's.
create or replace function orchable._answer_reader_pipeline(p_owner_id uuid)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
    return orchable._system_pipeline(p_owner_id, jsonb_build_object(
        'name', 'answers (orchable)',
        'description', 'Free-text answers to your pipelines'' questions, read by a model (made by orchable).',
        'entry', 'read',
        'stages', jsonb_build_array(jsonb_build_object(
            'key', 'read',
            'max_retries', 2,
            'template', concat_ws(e'\n',
                'A person was asked: {{question}}',
                'It is {{asks}}',
                'They replied, in their own words: {{reply}}',
                'relevance: from 0 to 1, how plainly the reply answers this question (0: small talk,',
                'another topic, an out-of-office note; 1: it answers it beyond doubt).',
                'decision: approve or reject (for an approval or a review), select (for a selection;',
                'choice is the value of the option the reply picks), answer (for an input; answer is',
                'the object asked for), or none when the reply does not answer.',
                'reasoning: why, in one or two sentences.'
            ),
            'output_schema', jsonb_build_object(
                'type', 'object',
                'properties', jsonb_build_object(
                    'relevance', jsonb_build_object('type', 'number', 'minimum', 0, 'maximum', 1),
                    'decision', jsonb_build_object('type', 'string',
                        'enum', jsonb_build_array('approve', 'reject', 'select', 'answer', 'none')),
                    'choice', jsonb_build_object('type', 'string'),
                    'answer', jsonb_build_object('type', 'object'),
                    'reasoning', jsonb_build_object('type', 'string')
                ),
                'required', jsonb_build_array('relevance', 'decision', 'reasoning')
            )
        ))
    ));
end
$$;

comment on function orchable._answer_reader_pipeline(uuid) is
'The id of the owner''s "answers (orchable)" pipeline (one stage, "read", that classifies a free-text answer), made on first use.';

revoke all on all functions in schema orchable from public, anon, authenticated, service_role;
