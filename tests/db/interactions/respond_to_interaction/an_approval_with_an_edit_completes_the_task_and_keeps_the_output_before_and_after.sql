begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval"}') \gset
select tests.authenticate_as(:'owner_id');
select * from public.respond_to_interaction(:'interaction_id', '{"decision": "approve", "output": {"text": "a better draft"}}') \gset
select tests.clear_authentication();

select is(:'outcome'::text, 'settled', 'the answer settles the interaction');
select is((select (status, outcome) from public.human_interactions where id = :'interaction_id')::text,
    '(responded,approved)', 'as approved');
select is((select response_data -> 'output_before' from public.human_interactions where id = :'interaction_id'),
    '{"text": "a draft"}'::jsonb, 'the output before the edit is kept');
select is((select output_data from public.ai_tasks where id = :'task_id'), '{"text": "a better draft"}'::jsonb,
    'the task completes with the edited output');
select is((select input_data from public.ai_tasks where parent_task_id = :'task_id'), '{"text": "a better draft"}'::jsonb,
    'which the next stage gets');

select * from finish();
rollback;
