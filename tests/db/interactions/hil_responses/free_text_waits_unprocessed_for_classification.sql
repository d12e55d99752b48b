begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_slack(:'owner_id') as slack_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["slack"], "timeout": "1 hour"}') \gset

select tests.authenticate_as_serve();
select public.receive_hil_response('slack', :'slack_id', '{"event": {"type": "message", "text": "looks good, ship it"}}',
    '{}', null, 'slack:T1:U1', null, 'looks good, ship it') as response_id \gset
select is((select (status, reason, answer_outcome)::text from public.match_hil_response(:'response_id')),
    '(unprocessed,"awaiting classification",)', 'a reply in prose stays unprocessed, awaiting classification');
select tests.clear_authentication();
select is((select (owner_id, free_text, processed_at)::text from public.hil_responses where id = :'response_id'),
    format('(%s,"looks good, ship it",)', :'owner_id'), 'kept for its verified endpoint''s owner, with its text');
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending',
    'nothing is decided from it until it is classified');

select * from finish();
rollback;
