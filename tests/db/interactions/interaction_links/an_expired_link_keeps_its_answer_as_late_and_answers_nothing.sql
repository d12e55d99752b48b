begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_email(:'owner_id', 'ann@example.test') as email_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["email"]}') \gset
select tests.link_token(:'interaction_id', 'ann@example.test') as token \gset
update public.interaction_links set expires_at = now() - interval '1 second', created_at = now() - interval '8 days'
where interaction_id = :'interaction_id';

select tests.authenticate_as_serve();
select * from public.answer_by_link(:'token', '{"decision": "approve"}') \gset a_
select throws_ok($$ select * from public.answer_by_link('a-token-nobody-was-sent', '{"decision": "approve"}') $$,
    'OR044', null, 'an unknown token raises OR044');
select tests.clear_authentication();

select is((select (status, answer_outcome)::text from public.hil_responses where id = :'a_response_id'),
    '(late,)', 'a form posted after its link expired is late');
select ok((select reason like 'the link expired at %' from public.hil_responses where id = :'a_response_id'),
    'and kept with the reason');
select results_eq(
    format($$ select i.status, (select count(*) from public.interaction_answers as a where a.interaction_id = i.id),
        (select count(*) from public.hil_responses) from public.human_interactions as i where i.id = %L $$, :'interaction_id'),
    $$ values ('pending', 0::bigint, 1::bigint) $$,
    'it answers nothing, though the interaction (with no timeout) still waits; the unknown token stored nothing');

select * from finish();
rollback;
