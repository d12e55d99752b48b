begin;
select plan(9);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
select tests.seed_course_pipeline(:'user_a') as orchestrator_a \gset
select tests.seed_course_pipeline(:'user_b') as orchestrator_b \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"topic": "cats"}]') \gset
select id as batch_b from public.launch_batch(:'orchestrator_b', '[{"topic": "dogs"}]') \gset
select tests.complete(tests.task_id(:'batch_a', 'outline'), '{"questions": [{"text": "q1"}, {"text": "q2"}]}');
select tests.complete(tests.task_id(:'batch_b', 'outline'), '{"questions": [{"text": "q3"}]}');
insert into public.custom_components (name, created_by, is_public)
values ('a private', :'user_a', false), ('b private', :'user_b', false);

create temporary table expected (relation text, id text, owner_id uuid);
insert into expected
select 'orchestrators', id::text, owner_id from public.orchestrators
union all select 'prompt_templates', id, owner_id from public.prompt_templates
union all select 'task_batches', id::text, owner_id from public.task_batches
union all select 'ai_tasks', id::text, owner_id from public.ai_tasks
union all select 'task_events', id::text, owner_id from public.task_events
union all select 'custom_components', id::text, created_by from public.custom_components
union all select 'v_runnable_tasks', id::text, owner_id from public.v_runnable_tasks
union all select distinct 'v_stage_progress', p.batch_id || '/' || p.stage_key, b.owner_id
    from public.v_stage_progress as p join public.task_batches as b on b.id = p.batch_id;
grant select on expected to service_role;

select is(
    (select count(distinct (relation, owner_id))::integer from expected where owner_id in (:'user_a', :'user_b')),
    16,
    'both users have rows in every table and view (so the checks below are not vacuous)'
);

select tests.authenticate_as_service_role();
select set_eq($$ select id::text from public.orchestrators $$,
    $$ select id from expected where relation = 'orchestrators' $$, 'service_role sees every orchestrator');
select set_eq($$ select id from public.prompt_templates $$,
    $$ select id from expected where relation = 'prompt_templates' $$, 'service_role sees every prompt_template');
select set_eq($$ select id::text from public.task_batches $$,
    $$ select id from expected where relation = 'task_batches' $$, 'service_role sees every task_batch');
select set_eq($$ select id::text from public.ai_tasks $$,
    $$ select id from expected where relation = 'ai_tasks' $$, 'service_role sees every ai_task');
select set_eq($$ select id::text from public.task_events $$,
    $$ select id from expected where relation = 'task_events' $$, 'service_role sees every task_event');
select set_eq($$ select id::text from public.custom_components $$,
    $$ select id from expected where relation = 'custom_components' $$, 'service_role sees every custom_component');
select set_eq($$ select id::text from public.v_runnable_tasks $$,
    $$ select id from expected where relation = 'v_runnable_tasks' $$, 'service_role sees every row of v_runnable_tasks');
select set_eq($$ select batch_id || '/' || stage_key from public.v_stage_progress $$,
    $$ select id from expected where relation = 'v_stage_progress' $$, 'service_role sees every row of v_stage_progress');
select tests.clear_authentication();

select * from finish();
rollback;
