begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"], "timeout": "1 hour"}') \gset
select interaction_steps from public.tick(now() + interval '2 hours') \gset

select tests.authenticate_as_serve();
select public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'interaction_id',
    'webhook:' || :'webhook_id', '{"decision": "approve"}') as response_id \gset
select is((select (status, reason, answer_outcome)::text from public.match_hil_response(:'response_id')),
    '(late,"the interaction had ended (timeout)",late)', 'an answer after the timeout is late, with the reason');
select tests.clear_authentication();
select is((select (status, outcome)::text from public.human_interactions where id = :'interaction_id'),
    '(timeout,timeout_rejected)', 'the timeout stands');
select is((select (responder_key, outcome)::text from public.interaction_answers where hil_response_id = :'response_id'),
    format('(webhook:%s,late)', :'webhook_id'), 'the record shows who answered after the timeout');

select * from finish();
rollback;
