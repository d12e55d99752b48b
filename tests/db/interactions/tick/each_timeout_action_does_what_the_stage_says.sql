begin;
select plan(10);

select tests.create_user('owner@example.test') as owner_id \gset
create function pg_temp.timed_out(p_interaction jsonb, out task_id uuid, out interaction_id uuid, out batch_id uuid)
language plpgsql as $$
begin
    select a.task_id, a.interaction_id, a.batch_id into task_id, interaction_id, batch_id
    from tests.ask((select id from auth.users where email = 'owner@example.test'), p_interaction) as a;
    perform public.tick(now() + interval '2 hours');
end
$$;

select * from pg_temp.timed_out('{"type": "approval", "timeout": "1 hour"}') \gset
select is((select (status, outcome) from public.human_interactions where id = :'interaction_id')::text, '(timeout,timeout_rejected)',
    'reject, the default, is recorded as a timeout that rejected');
select is((select (status, error_code) from public.ai_tasks where id = :'task_id')::text, '(failed,OR040)',
    'and fails the task with OR040');

select * from pg_temp.timed_out('{"type": "approval", "timeout": "1 hour", "on_timeout": "fail"}') \gset
select is((select (status, error_code) from public.ai_tasks where id = :'task_id')::text, '(failed,OR041)',
    'fail fails the task with OR041');

select * from pg_temp.timed_out('{"type": "approval", "timeout": "1 hour", "on_timeout": "approve"}') \gset
select is((select outcome from public.human_interactions where id = :'interaction_id'), 'timeout_approved',
    'approve is recorded as a timeout that approved');
select is((select (status, approved_at) from public.ai_tasks where id = :'task_id')::text, '(completed,)',
    'the task completes with no person''s approval time');

select * from pg_temp.timed_out('{"type": "selection", "options": ["a", "b"], "timeout": "1 hour", "on_timeout": "approve",
    "default": "b"}') \gset
select is((select output_data -> 'human' from public.ai_tasks where id = :'task_id'), '"b"'::jsonb,
    'a selection approved on timeout takes its default choice');

select * from pg_temp.timed_out('{"type": "approval", "timeout": "1 hour", "on_timeout": "cancel_batch"}') \gset
select is((select status from public.task_batches where id = :'batch_id'), 'cancelled', 'cancel_batch cancels the batch');
select is((select outcome from public.human_interactions where id = :'interaction_id'), 'timeout_cancelled_batch',
    'recorded as a timeout that cancelled the batch');

select * from tests.ask(:'owner_id', '{"type": "approval", "timeout": "1 hour"}') \gset
select is((select interaction_steps from public.tick(now() + interval '59 minutes')), 0, 'nothing happens before the timeout');
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending', 'it is still pending');

select * from finish();
rollback;
