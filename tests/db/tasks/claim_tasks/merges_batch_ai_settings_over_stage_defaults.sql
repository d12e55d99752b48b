begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select (public.upsert_orchestrator(jsonb_build_object(
    'name', 'settings', 'owner_id', :'owner_id', 'entry', 'answer',
    'stages', jsonb_build_array(jsonb_build_object('key', 'answer', 'template', 'Answer {{question}}',
        'ai_settings', jsonb_build_object('model', 'm1', 'temperature', 0.2)))
))).id as orchestrator_id \gset
select id as plain_batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select id as tuned_batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "b"}]',
    p_config => '{"ai_settings": {"temperature": 0.9, "top_p": 0.5}}') \gset

select tests.authenticate_as_worker();
create temporary table claimed on commit drop as select batch_id, ai_settings from public.claim_tasks('w1', 10);
select tests.clear_authentication();

select is((select ai_settings from claimed where batch_id = :'plain_batch_id'),
    '{"model": "m1", "temperature": 0.2}'::jsonb, 'without batch settings the stage defaults apply');
select is((select ai_settings from claimed where batch_id = :'tuned_batch_id'),
    '{"model": "m1", "temperature": 0.9, "top_p": 0.5}'::jsonb, 'the batch''s config.ai_settings override the stage defaults');

select * from finish();
rollback;
