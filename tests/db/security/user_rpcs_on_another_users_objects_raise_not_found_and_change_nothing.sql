begin;
select plan(15);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
select tests.seed_course_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"topic": "cats"}, {"topic": "owls"}]') \gset
select tests.complete(tests.task_id(:'batch_a', 'outline'), '{"questions": [{"text": "q1"}]}');
select tests.task_id(:'batch_a', 'question') as task_a \gset
select tests.seed_course_pipeline(:'user_b') as orchestrator_b \gset

create temporary view a_rows as
select md5(string_agg(r, ',' order by r)) as fingerprint from (
    select o::text as r from public.orchestrators as o where owner_id = :'user_a'
    union all select t::text from public.prompt_templates as t where owner_id = :'user_a'
    union all select b::text from public.task_batches as b where owner_id = :'user_a'
    union all select t::text from public.ai_tasks as t where owner_id = :'user_a'
    union all select e::text from public.task_events as e where owner_id = :'user_a'
) as rows;
select fingerprint as before from a_rows \gset

-- B, through PostgREST (named arguments), on A's objects: as if they did not exist.
select tests.authenticate_as(:'user_b');
select throws_ok(
    format($$ select public.launch_batch(p_orchestrator_id := %L, p_inputs := '[{"topic": "x"}]') $$, :'orchestrator_a'),
    'OR002', null, 'launch_batch on A''s orchestrator raises OR002');
select throws_ok(format($$ select public.approve_task(p_task_id := %L) $$, :'task_a'),
    'OR004', null, 'approve_task on A''s task raises OR004');
select throws_ok(format($$ select public.reject_task(p_task_id := %L, p_reason := 'bad') $$, :'task_a'),
    'OR004', null, 'reject_task on A''s task raises OR004');
select throws_ok(format($$ select public.retry_task(p_task_id := %L) $$, :'task_a'),
    'OR004', null, 'retry_task on A''s task raises OR004');
select throws_ok(format($$ select public.retry_batch(p_batch_id := %L) $$, :'batch_a'),
    'OR005', null, 'retry_batch on A''s batch raises OR005');
select throws_ok(format($$ select public.pause_batch(p_batch_id := %L) $$, :'batch_a'),
    'OR005', null, 'pause_batch on A''s batch raises OR005');
select throws_ok(format($$ select public.resume_batch(p_batch_id := %L) $$, :'batch_a'),
    'OR005', null, 'resume_batch on A''s batch raises OR005');
select throws_ok(format($$ select public.cancel_batch(p_batch_id := %L) $$, :'batch_a'),
    'OR005', null, 'cancel_batch on A''s batch raises OR005');
select throws_ok(format($$ select public.delete_batch(p_batch_id := %L) $$, :'batch_a'),
    'OR005', null, 'delete_batch on A''s batch raises OR005');
-- upsert_orchestrator takes the owner from the JWT: an owner_id in the document is ignored.
select (public.upsert_orchestrator(p_definition := jsonb_build_object(
    'name', 'course', 'owner_id', :'user_a', 'entry', 'only',
    'stages', jsonb_build_array(jsonb_build_object('key', 'only', 'template', 'Hijacked {{x}}'))
))).owner_id as upserted_owner \gset
select tests.clear_authentication();

select is(:'upserted_owner'::uuid, :'user_b'::uuid, 'upsert_orchestrator by B, naming A as owner, writes B''s own pipeline');
select is(
    (select entry_stage_key from public.orchestrators where id = :'orchestrator_b'), 'only',
    'it updated B''s pipeline of the same name'
);
select is((select fingerprint from a_rows), :'before', 'A''s orchestrator, templates, batch, tasks and events are unchanged');

-- The same calls by A succeed: B was refused for not owning them, not for the state.
select tests.authenticate_as(:'user_a');
select (public.pause_batch(p_batch_id := :'batch_a')).status as paused_status \gset
select id as launched_batch from public.launch_batch(p_orchestrator_id := :'orchestrator_a', p_inputs := '[{"topic": "x"}]') \gset
select public.delete_batch(p_batch_id := :'launched_batch');
select tests.clear_authentication();
select is(:'paused_status'::text, 'paused', 'A pauses their own batch');
select ok(:'launched_batch'::uuid is not null, 'A launches a batch of their own orchestrator');
select ok(not exists (select from public.task_batches where id = :'launched_batch'), 'A deletes their own batch');

select * from finish();
rollback;
