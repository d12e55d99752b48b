begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"], "timeout": "1 hour"}') \gset

select tests.authenticate_as_serve();
select public.receive_hil_response('webhook', :'webhook_id', '{"response": {"decision": "approve"}}', '{}',
    :'interaction_id', 'webhook:' || :'webhook_id', '{"decision": "approve"}') as response_id \gset
select is((select (status, reason)::text from public.match_hil_response(:'response_id', 'No matching signature found')),
    '(filtered_out,"not verified: No matching signature found")', 'an answer whose signature failed is filtered out, saying why');
select tests.clear_authentication();
select is((select owner_id from public.hil_responses where id = :'response_id'), null,
    'it is tied to no owner, so posting to an endpoint''s URL writes nothing into its owner''s record');
select results_eq(
    format($$ select status, (select count(*) from public.interaction_answers where interaction_id = %L)
        from public.human_interactions where id = %L $$, :'interaction_id', :'interaction_id'),
    $$ values ('pending', 0::bigint) $$, 'and it answers nothing');

select * from finish();
rollback;
