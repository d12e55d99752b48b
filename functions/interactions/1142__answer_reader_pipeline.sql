-- The pipeline an owner's free-text answers are read in, made on the first one: one stage
-- that reads a reply (a Slack thread reply, a webhook's prose) against the question it
-- answers and says how relevant it is, the decision it reads and why. It is an ordinary
-- pipeline of theirs ("answers (orchable)"): its costs and tasks show as any other's.
create function orchable._answer_reader_pipeline(p_owner_id uuid)
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
