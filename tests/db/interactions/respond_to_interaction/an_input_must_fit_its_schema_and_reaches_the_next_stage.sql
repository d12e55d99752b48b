begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "input", "input_schema": {"type": "object", "required": ["audience"],
    "additionalProperties": false, "properties": {"audience": {"type": "string", "minLength": 3}, "level": {"type": "integer", "maximum": 5}}}}') \gset
select tests.authenticate_as(:'owner_id');
select throws_ok(format($$ select * from public.respond_to_interaction(%L, '{"answer": {"level": 2}}') $$, :'interaction_id'),
    'OR042', null, 'an answer missing a required field does not fit');
select throws_ok(format($$ select * from public.respond_to_interaction(%L, '{"answer": {"audience": "kids", "level": 9}}') $$,
    :'interaction_id'), 'OR042', null, 'nor one past a maximum');
select is((select outcome from public.respond_to_interaction(:'interaction_id', '{"answer": {"audience": "kids", "level": 2}}')),
    'settled', 'a fitting answer settles it');
select tests.clear_authentication();
select is((select input_data -> 'human' from public.ai_tasks where parent_task_id = :'task_id'),
    '{"audience": "kids", "level": 2}'::jsonb, 'and becomes part of the next stage''s input');

select * from finish();
rollback;
