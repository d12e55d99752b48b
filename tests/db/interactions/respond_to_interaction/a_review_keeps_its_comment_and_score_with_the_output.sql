begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "review", "answer_key": "review"}') \gset
select tests.authenticate_as(:'owner_id');
select is((select outcome from public.respond_to_interaction(:'interaction_id',
    '{"decision": "approve", "comment": "clear", "score": 4}')), 'settled', 'an approving review settles it');
select tests.clear_authentication();
select is((select output_data -> 'review' from public.ai_tasks where id = :'task_id'),
    '{"decision": "approve", "comment": "clear", "score": 4}'::jsonb, 'the review is kept with the output');

select * from finish();
rollback;
