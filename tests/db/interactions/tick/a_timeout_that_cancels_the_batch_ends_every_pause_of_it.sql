begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "timeout": "1 hour", "on_timeout": "cancel_batch"}') \gset
select tests.authenticate_as(:'owner_id');
select status from public.pause_batch(:'batch_id');
select tests.clear_authentication();

select is((select interaction_steps from public.tick(now() + interval '2 hours')), 1, 'time runs out once');
select is((select status from public.task_batches where id = :'batch_id'), 'cancelled', 'the batch is cancelled');
select results_eq(
    format($$ select reason, status, resume_trigger from public.batch_pauses where batch_id = %L order by reason $$, :'batch_id'),
    $$ values ('interaction', 'timeout', 'timeout'), ('person', 'cancelled', 'cancel') $$,
    'the wait for the answer ends as a timeout, and the owner''s own pause ends with the batch');

select * from finish();
rollback;
