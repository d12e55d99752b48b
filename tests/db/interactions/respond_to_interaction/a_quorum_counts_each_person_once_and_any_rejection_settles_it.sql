begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('second@example.test') as second_id \gset
select tests.create_user('third@example.test') as third_id \gset
select * from tests.ask(:'owner_id', jsonb_build_object('type', 'approval', 'required_approvals', 2,
    'responders', jsonb_build_array(:'owner_id', :'second_id', :'third_id'))) \gset

select tests.authenticate_as(:'owner_id');
select is((select (outcome, status, approvals, required_approvals) from public.respond_to_interaction(:'interaction_id',
    '{"decision": "approve"}'))::text, '(counted,pending,1,2)', 'the first approval counts: 1 of 2');
select is((select outcome from public.respond_to_interaction(:'interaction_id', '{"decision": "approve"}')), 'duplicate',
    'the same person approving again does not count twice');
select is((select approvals from public.v_my_interactions where id = :'interaction_id'), 1, 'the inbox shows 1 approval');
select tests.authenticate_as(:'second_id');
select is((select (outcome, status, approvals) from public.respond_to_interaction(:'interaction_id',
    '{"decision": "approve"}'))::text, '(settled,responded,2)', 'a second person''s approval settles it');
select tests.clear_authentication();
select is((select status from public.ai_tasks where id = :'task_id'), 'completed', 'and the task completes');

select * from tests.ask(:'owner_id', jsonb_build_object('type', 'approval', 'required_approvals', 3, 'on_reject', 'fail',
    'responders', jsonb_build_array(:'owner_id', :'second_id', :'third_id'))) \gset
select tests.authenticate_as(:'owner_id');
select from public.respond_to_interaction(:'interaction_id', '{"decision": "approve"}');
select tests.authenticate_as(:'third_id');
select is((select outcome from public.respond_to_interaction(:'interaction_id', '{"decision": "reject", "reason": "no"}')),
    'settled', 'one rejection settles a quorum at once');
select tests.clear_authentication();
select is((select (status, outcome) from public.human_interactions where id = :'interaction_id')::text, '(responded,rejected)',
    'as rejected');

select * from finish();
rollback;
