begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

-- A key the worker would silently ignore (a typo, another SDK's spelling) is refused.
select throws_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', 'hi',
            'ai_settings', '{"provider": "gemini", "topP": 0.9}'::jsonb)))),
    'OR001',
    'stage "s" has ai_settings key "topP", which orchable does not know (it knows provider, model, fallback_models, temperature, top_p, top_k, max_output_tokens, system_instruction, timeout_seconds)',
    'an ai_settings key orchable does not know is refused with OR001 naming it');
select lives_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', 'hi',
            'ai_settings', '{"provider": "gemini", "model": "m", "fallback_models": ["n"], "temperature": 0.2,
                "top_p": 0.9, "top_k": 40, "max_output_tokens": 256, "system_instruction": "Be terse.",
                "timeout_seconds": 30}'::jsonb)))),
    'every key the worker reads is taken');

select * from finish();
rollback;
