begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "required_approvals": 2}') \gset
select tests.authenticate_as(:'owner_id');
select is(public.approve_task(:'task_id'), 'generated', 'approve_task counts as one approval of a quorum of two');
select tests.clear_authentication();
select is((select approvals from public.human_interactions where id = :'interaction_id'), 1, 'recorded on the interaction');
select is((select responder_key from public.interaction_answers where interaction_id = :'interaction_id'),
    'user:' || :'owner_id', 'as the owner''s answer in the app');

select * from finish();
rollback;
