begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');
select id as key_id, key from public.create_access_key('crm') \gset
select id as trigger_id from public.add_trigger(:'orchestrator_id', 'on new lead', 'webhook',
    p_inputs => '[{"question": "default", "source": "crm"}]', p_access_key_id => :'key_id') \gset
select tests.clear_authentication();

-- As PostgREST calls POST /rpc/trigger_webhook with {"p_key": ..., "p_payload": ...} and no JWT.
select tests.authenticate_as_anon();
select public.trigger_webhook(p_key => :'key', p_payload => '{"question": "why is the sky blue?"}') as batch_id \gset
select tests.clear_authentication();

select is((select owner_id from public.task_batches where id = :'batch_id'), :'owner_id'::uuid,
    'the launch is the trigger owner''s');
select is((select input_data from public.ai_tasks where batch_id = :'batch_id'),
    '{"question": "why is the sky blue?", "source": "crm"}'::jsonb,
    'its one input is the payload on top of the trigger''s defaults');
select is((select last_batch_id from public.triggers where id = :'trigger_id'), :'batch_id'::uuid,
    'the trigger records its launch');
select ok((select last_used_at is not null from public.access_keys where id = :'key_id'), 'the key records its use');

select * from finish();
rollback;
