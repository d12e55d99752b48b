begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval"}') \gset
select tests.authenticate_as(:'owner_id');
select throws_ok(format($$ select * from public.respond_to_interaction(%L, '{"decision": "reject"}') $$, :'interaction_id'),
    'OR042', null, 'a rejection without a reason does not fit');
select is((select outcome from public.respond_to_interaction(:'interaction_id', '{"decision": "reject", "reason": "too short"}')),
    'settled', 'a rejection with a reason settles it');
select tests.clear_authentication();
select is((select (status, error_message) from public.ai_tasks where id = :'task_id')::text, '(plan,"rejected: too short")',
    'the stage regenerates by default');

select * from tests.ask(:'owner_id', '{"type": "approval", "on_reject": "fail"}') \gset
select tests.authenticate_as(:'owner_id');
select from public.respond_to_interaction(:'interaction_id', '{"decision": "reject", "reason": "wrong"}');
select tests.clear_authentication();
select is((select (status, error_code) from public.ai_tasks where id = :'task_id')::text, '(failed,OR043)',
    'with on_reject fail the task fails, with the code of a person''s rejection');
select is((select outcome from public.human_interactions where id = :'interaction_id'), 'rejected', 'recorded as rejected');

select * from finish();
rollback;
