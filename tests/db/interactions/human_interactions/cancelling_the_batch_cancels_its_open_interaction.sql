begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval"}') \gset
select tests.authenticate_as(:'owner_id');
select public.cancel_batch(:'batch_id');
select tests.clear_authentication();

select is((select (status, outcome) from public.human_interactions where id = :'interaction_id')::text,
    '(cancelled,cancelled)', 'the interaction is cancelled with its task');
select isnt((select responded_at from public.human_interactions where id = :'interaction_id'), null, 'and settled now');
select is((select status from public.batch_pauses where interaction_id = :'interaction_id'), 'cancelled',
    'its pause ends as cancelled');

select tests.authenticate_as(:'owner_id');
select is((select outcome from public.respond_to_interaction(:'interaction_id', '{"decision": "approve"}')), 'late',
    'an answer after the cancellation is late and changes nothing');
select tests.clear_authentication();

select * from finish();
rollback;
