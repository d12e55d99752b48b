begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "selection", "options": ["short", "long"], "answer_key": "length"}') \gset
select tests.authenticate_as(:'owner_id');
select throws_ok(format($$ select * from public.respond_to_interaction(%L, '{"choice": "medium"}') $$, :'interaction_id'),
    'OR042', null, 'a choice that is not an option does not fit');
select throws_ok(format($$ select * from public.respond_to_interaction(%L, '{"decision": "approve"}') $$, :'interaction_id'),
    'OR042', null, 'nor does an approval');
select is((select outcome from public.respond_to_interaction(:'interaction_id', '{"choice": "long"}')), 'settled',
    'an option settles it');
select tests.clear_authentication();
select is((select input_data from public.ai_tasks where parent_task_id = :'task_id'), '{"text": "a draft", "length": "long"}'::jsonb,
    'the choice joins the output under the answer key, for the next stage');

select * from finish();
rollback;
