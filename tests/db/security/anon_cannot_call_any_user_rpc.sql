begin;
select plan(10);

select tests.create_user('a@example.test') as user_a \gset
select tests.seed_course_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_a', 'outline') as task_a \gset

select tests.authenticate_as_anon();
select throws_ok(
    $$ select public.upsert_orchestrator(p_definition := '{"name": "x", "entry": "a", "stages": [{"key": "a", "template": "t"}]}') $$,
    '42501', null, 'anon calling upsert_orchestrator is refused with 42501');
select throws_ok(
    format($$ select public.launch_batch(p_orchestrator_id := %L, p_inputs := '[{"topic": "x"}]') $$, :'orchestrator_a'),
    '42501', null, 'anon calling launch_batch is refused with 42501');
select throws_ok(format($$ select public.approve_task(p_task_id := %L) $$, :'task_a'),
    '42501', null, 'anon calling approve_task is refused with 42501');
select throws_ok(format($$ select public.reject_task(p_task_id := %L, p_reason := 'bad') $$, :'task_a'),
    '42501', null, 'anon calling reject_task is refused with 42501');
select throws_ok(format($$ select public.retry_task(p_task_id := %L) $$, :'task_a'),
    '42501', null, 'anon calling retry_task is refused with 42501');
select throws_ok(format($$ select public.retry_batch(p_batch_id := %L) $$, :'batch_a'),
    '42501', null, 'anon calling retry_batch is refused with 42501');
select throws_ok(format($$ select public.pause_batch(p_batch_id := %L) $$, :'batch_a'),
    '42501', null, 'anon calling pause_batch is refused with 42501');
select throws_ok(format($$ select public.resume_batch(p_batch_id := %L) $$, :'batch_a'),
    '42501', null, 'anon calling resume_batch is refused with 42501');
select throws_ok(format($$ select public.cancel_batch(p_batch_id := %L) $$, :'batch_a'),
    '42501', null, 'anon calling cancel_batch is refused with 42501');
select throws_ok(format($$ select public.delete_batch(p_batch_id := %L) $$, :'batch_a'),
    '42501', null, 'anon calling delete_batch is refused with 42501');
select tests.clear_authentication();

select * from finish();
rollback;
