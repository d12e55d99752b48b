begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');
select id as console_key_id from public.create_access_key('wall screen', '{console}') \gset
select id as webhook_key_id from public.create_access_key('crm') \gset

select throws_ok(
    format($$ select public.add_trigger(%L, 'on new lead', 'webhook', p_access_key_id => %L) $$,
        :'orchestrator_id', :'console_key_id'),
    'OR036', format('access key %s not found', :'console_key_id'),
    'a key that may only sign in to the console launches nothing');
select lives_ok(
    format($$ select public.add_trigger(%L, 'on new lead', 'webhook', p_access_key_id => %L) $$,
        :'orchestrator_id', :'webhook_key_id'),
    'a key with the trigger_webhook scope is bound');
select tests.clear_authentication();

select * from finish();
rollback;
