begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('stranger@example.test') as stranger_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval"}') \gset

select tests.authenticate_as(:'stranger_id');
select throws_ok(format($$ select * from public.respond_to_interaction(%L, '{"decision": "approve"}') $$, :'interaction_id'),
    'OR039', null, 'another user is told the interaction does not exist');
select is((select count(*)::integer from public.v_my_interactions), 0, 'and does not see it in their inbox');
select is((select count(*)::integer from public.human_interactions), 0, 'nor in the table');
select tests.clear_authentication();
select is((select count(*)::integer from public.interaction_answers where interaction_id = :'interaction_id'), 0,
    'nothing of theirs is recorded');

select * from finish();
rollback;
