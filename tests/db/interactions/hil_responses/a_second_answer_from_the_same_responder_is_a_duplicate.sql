begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset
select * from tests.ask(:'owner_id',
    '{"type": "approval", "channels": ["webhook"], "timeout": "1 hour", "required_approvals": 2}') \gset

select tests.authenticate_as_serve();
select public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'interaction_id', 'webhook:crm-bot',
    '{"decision": "approve"}') as first_id \gset
select public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'interaction_id', 'webhook:crm-bot',
    '{"decision": "approve"}') as second_id \gset
select is((select (status, answer_outcome)::text from public.match_hil_response(:'first_id')),
    '(matched,counted)', 'the first approval counts towards a quorum of two');
select is((select (status, reason, answer_outcome)::text from public.match_hil_response(:'second_id')),
    '(duplicate,"this responder had already answered",duplicate)', 'the same responder again is a duplicate, saying so');
select tests.clear_authentication();
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending',
    'and does not make the quorum');

select * from finish();
rollback;
