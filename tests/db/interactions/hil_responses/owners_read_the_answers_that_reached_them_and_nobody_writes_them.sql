begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"], "timeout": "1 hour"}') \gset
select tests.authenticate_as_serve();
select public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'interaction_id', 'webhook:crm',
    '{"decision": "approve"}') as verified_id \gset
select public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'interaction_id', 'webhook:crm',
    '{"decision": "approve"}') as forged_id \gset
select status from public.match_hil_response(:'verified_id') \gset
select status from public.match_hil_response(:'forged_id', 'No matching signature found') \gset

select tests.authenticate_as(:'owner_id');
select results_eq('select id from public.hil_responses', format('values (%L::uuid)', :'verified_id'),
    'the owner reads the answer that reached them, not the unverified one');
select throws_ok(format($$ update public.hil_responses set status = 'matched' where id = %L $$, :'forged_id'), '42501', null,
    'and cannot change one');
select throws_ok($$ insert into public.hil_responses (source_channel, raw_payload) values ('webhook', '{}') $$, '42501', null,
    'nor write one');
select tests.authenticate_as(:'other_id');
select is((select count(*)::integer from public.hil_responses), 0, 'another user reads none');
select tests.authenticate_as_anon();
select throws_ok('select count(*) from public.hil_responses', '42501', null, 'anon cannot read them');
select tests.authenticate_as_worker();
select throws_ok('select count(*) from public.hil_responses', '42501', null, 'nor can the worker');
select tests.clear_authentication();

select * from finish();
rollback;
