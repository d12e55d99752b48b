begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_email(:'owner_id', 'ann@example.test') as email_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["email"], "timeout": "2 hours"}') \gset
select tests.link_token(:'interaction_id', 'ann@example.test') as token \gset

select tests.authenticate_as_serve();
select * from public.answer_by_link(:'token', '{"decision": "approve"}', '{"user-agent": "Mail", "cookie": "s=1"}') \gset a_
select tests.clear_authentication();
select is(row(:'a_status', :'a_interaction_id', :'a_answer_outcome')::text,
    row('matched', :'interaction_id', 'settled')::text, 'the form''s answer settles the interaction');
select is((select (i.status, i.outcome, t.status)::text from public.human_interactions as i
        join public.ai_tasks as t on t.id = i.task_id where i.id = :'interaction_id'),
    '(responded,approved,completed)', 'the task goes on');
select is((select (source_channel, responder_key, endpoint_id, owner_id, headers)::text
        from public.hil_responses where id = :'a_response_id'),
    format('(email,email:ann@example.test,%s,%s,"{""user-agent"": ""Mail""}")', :'email_id', :'owner_id'),
    'it is kept as an email answer from the address the link went to, without credentials in its headers');
select is((select count(*)::integer from public.interaction_answers
        where interaction_id = :'interaction_id' and hil_response_id = :'a_response_id' and channel = 'email'),
    1, 'the answer names the response it came from');

select tests.authenticate_as_serve();
select is((select (status, answer_outcome)::text from public.answer_by_link(:'token', '{"decision": "reject", "reason": "no"}')),
    '(late,late)', 'posting the form again is late and says so');
select tests.clear_authentication();
select is((select (status, outcome)::text from public.human_interactions where id = :'interaction_id'),
    '(responded,approved)', 'and changes nothing');

select * from finish();
rollback;
