-- The pipeline an owner's monitor runs are launched in, made on their first run: one
-- grounded_search stage whose prompt asks for the verdict with the facts to compare next
-- time. It is an ordinary pipeline of theirs ("monitors (orchable)"): its costs, batches
-- and tasks show as any other's, and an owner who edits its prompt edits every monitor's.
create function orchable._monitor_pipeline(p_owner_id uuid)
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
