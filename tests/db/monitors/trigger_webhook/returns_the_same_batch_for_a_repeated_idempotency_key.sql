begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');
select id as key_id, key from public.create_access_key('crm') \gset
select public.add_trigger(:'orchestrator_id', 'on new lead', 'webhook', p_access_key_id => :'key_id');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select public.trigger_webhook(:'key', '{"question": "q", "idempotency_key": "lead-42"}') as first \gset
select public.trigger_webhook(:'key', '{"question": "q", "idempotency_key": "lead-42"}') as second \gset
select public.trigger_webhook(:'key', '{"question": "q", "idempotency_key": "lead-43"}') as third \gset
select tests.clear_authentication();

select is(:'second'::uuid, :'first'::uuid, 'a repeated idempotency key returns the first call''s batch');
select is((select count(*)::integer from public.task_batches), 2, 'and launches nothing new; another key does');

select * from finish();
rollback;
