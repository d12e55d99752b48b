begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"], "timeout": "1 hour"}') \gset

select tests.authenticate_as_serve();
select public.receive_hil_response('webhook', :'webhook_id', '{"response": {"decision": "approve"}}',
    '{"webhook-id": "msg_1", "authorization": "Bearer x"}', :'interaction_id', 'webhook:' || :'webhook_id',
    '{"decision": "approve"}') as response_id \gset
select tests.clear_authentication();
select is((select (status, owner_id, processed_at, headers)::text from public.hil_responses where id = :'response_id'),
    '(unprocessed,,,"{""webhook-id"": ""msg_1""}")',
    'it is stored first as it came, unprocessed, tied to no owner yet, without its credentials');
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending',
    'storing it answers nothing');

select tests.authenticate_as_serve();
select * from public.match_hil_response(:'response_id') \gset m_
select tests.clear_authentication();
select is(row(:'m_status', :'m_interaction_id', :'m_answer_outcome')::text,
    row('matched', :'interaction_id', 'settled')::text, 'once verified, it is matched and settles its interaction');
select is((select (status, owner_id, matched_interaction_id, processed_at is not null)::text
        from public.hil_responses where id = :'response_id'),
    format('(matched,%s,%s,t)', :'owner_id', :'interaction_id'), 'the row says so, for its owner');
select is((select (responder_key, channel, hil_response_id)::text from public.interaction_answers
        where interaction_id = :'interaction_id'),
    format('(webhook:%s,webhook,%s)', :'webhook_id', :'response_id'), 'the answer is recorded, naming the response');

select tests.authenticate_as_serve();
select is((select (status, answer_outcome)::text from public.match_hil_response(:'response_id', 'a later failure')),
    '(matched,settled)', 'matching it again changes nothing and says how it was decided');
select tests.clear_authentication();

select * from finish();
rollback;
