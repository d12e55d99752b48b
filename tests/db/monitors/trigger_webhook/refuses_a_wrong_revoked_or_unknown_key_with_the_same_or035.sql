begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');
select id as key_id, key from public.create_access_key('crm') \gset
select id as unbound_id, key as unbound from public.create_access_key('spare') \gset
select public.add_trigger(:'orchestrator_id', 'on new lead', 'webhook', p_access_key_id => :'key_id');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(format('select public.trigger_webhook(%L)', :'key' || 'x'), 'OR035', 'the access key is not valid',
    'a wrong key raises OR035');
select throws_ok($$ select public.trigger_webhook('orch_nothing') $$, 'OR035', 'the access key is not valid',
    'an unknown key raises the same');
select throws_ok(format('select public.trigger_webhook(%L)', :'unbound'), 'OR035', 'the access key is not valid',
    'so does a key bound to no trigger');
select tests.clear_authentication();

select tests.authenticate_as(:'owner_id');
select public.revoke_access_key(:'key_id');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok(format('select public.trigger_webhook(%L)', :'key'), 'OR035', 'the access key is not valid',
    'and a revoked one');
select tests.clear_authentication();
select is((select count(*)::integer from public.task_batches), 0, 'nothing was launched');

select * from finish();
rollback;
