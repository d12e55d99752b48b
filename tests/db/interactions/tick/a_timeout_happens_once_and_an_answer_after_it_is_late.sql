begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "timeout": "1 hour"}') \gset
select is((select interaction_steps from public.tick(now() + interval '2 hours')), 1, 'the first tick times it out');
select is((select interaction_steps from public.tick(now() + interval '3 hours')), 0, 'the next one has nothing to do');
select tests.authenticate_as(:'owner_id');
select is((select (outcome, status) from public.respond_to_interaction(:'interaction_id', '{"decision": "approve"}'))::text,
    '(late,timeout)', 'an answer after the timeout is late and says so');
select tests.clear_authentication();
select is((select status from public.ai_tasks where id = :'task_id'), 'failed', 'it changes nothing');
select is((select (responder_key, outcome) from public.interaction_answers where interaction_id = :'interaction_id')::text,
    format('(user:%s,late)', :'owner_id'), 'the record shows who answered after the timeout');

select * from finish();
rollback;
