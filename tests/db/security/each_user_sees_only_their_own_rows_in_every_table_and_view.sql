begin;
select plan(17);

-- Two users, each with a pipeline, a batch, tasks of two stages, events and components.
select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
select tests.seed_course_pipeline(:'user_a') as orchestrator_a \gset
select tests.seed_course_pipeline(:'user_b') as orchestrator_b \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"topic": "cats"}, {"topic": "owls"}]') \gset
select id as batch_b from public.launch_batch(:'orchestrator_b', '[{"topic": "dogs"}]') \gset
select tests.complete(tests.task_id(:'batch_a', 'outline'), '{"questions": [{"text": "q1"}, {"text": "q2"}]}');
select tests.complete(tests.task_id(:'batch_b', 'outline'), '{"questions": [{"text": "q3"}]}');
insert into public.custom_components (name, created_by, is_public)
values ('a private', :'user_a', false), ('b private', :'user_b', false);

-- What each user should see, taken as the superuser before acting.
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
grant select on expected to authenticated;

select is_empty(
    format($$ select r.relation from unnest(array['orchestrators', 'prompt_templates', 'task_batches', 'ai_tasks',
                  'task_events', 'custom_components', 'v_runnable_tasks', 'v_stage_progress']) as r (relation)
              where not exists (select from expected as e where e.relation = r.relation and e.owner_id = %L)
                 or not exists (select from expected as e where e.relation = r.relation and e.owner_id = %L) $$,
           :'user_a', :'user_b'),
    'both users have rows in every table and view (so the checks below are not vacuous)'
);

-- Acts as one user and compares what they see with their rows.
select tests.authenticate_as(:'user_a');
select set_eq($$ select id::text from public.orchestrators $$,
    format($$ select id from expected where relation = 'orchestrators' and owner_id = %L $$, :'user_a'),
    'A sees exactly their own orchestrators');
select set_eq($$ select id from public.prompt_templates $$,
    format($$ select id from expected where relation = 'prompt_templates' and owner_id = %L $$, :'user_a'),
    'A sees exactly their own prompt_templates');
select set_eq($$ select id::text from public.task_batches $$,
    format($$ select id from expected where relation = 'task_batches' and owner_id = %L $$, :'user_a'),
    'A sees exactly their own task_batches');
select set_eq($$ select id::text from public.ai_tasks $$,
    format($$ select id from expected where relation = 'ai_tasks' and owner_id = %L $$, :'user_a'),
    'A sees exactly their own ai_tasks');
select set_eq($$ select id::text from public.task_events $$,
    format($$ select id from expected where relation = 'task_events' and owner_id = %L $$, :'user_a'),
    'A sees exactly their own task_events');
select set_eq($$ select id::text from public.custom_components $$,
    format($$ select id from expected where relation = 'custom_components' and owner_id = %L $$, :'user_a'),
    'A sees exactly their own custom_components (none of B''s is public)');
select set_eq($$ select id::text from public.v_runnable_tasks $$,
    format($$ select id from expected where relation = 'v_runnable_tasks' and owner_id = %L $$, :'user_a'),
    'A sees exactly their own rows of v_runnable_tasks');
select set_eq($$ select batch_id || '/' || stage_key from public.v_stage_progress $$,
    format($$ select id from expected where relation = 'v_stage_progress' and owner_id = %L $$, :'user_a'),
    'A sees exactly their own rows of v_stage_progress');
select tests.clear_authentication();

select tests.authenticate_as(:'user_b');
select set_eq($$ select id::text from public.orchestrators $$,
    format($$ select id from expected where relation = 'orchestrators' and owner_id = %L $$, :'user_b'),
    'B sees exactly their own orchestrators');
select set_eq($$ select id from public.prompt_templates $$,
    format($$ select id from expected where relation = 'prompt_templates' and owner_id = %L $$, :'user_b'),
    'B sees exactly their own prompt_templates');
select set_eq($$ select id::text from public.task_batches $$,
    format($$ select id from expected where relation = 'task_batches' and owner_id = %L $$, :'user_b'),
    'B sees exactly their own task_batches');
select set_eq($$ select id::text from public.ai_tasks $$,
    format($$ select id from expected where relation = 'ai_tasks' and owner_id = %L $$, :'user_b'),
    'B sees exactly their own ai_tasks');
select set_eq($$ select id::text from public.task_events $$,
    format($$ select id from expected where relation = 'task_events' and owner_id = %L $$, :'user_b'),
    'B sees exactly their own task_events');
select set_eq($$ select id::text from public.custom_components $$,
    format($$ select id from expected where relation = 'custom_components' and owner_id = %L $$, :'user_b'),
    'B sees exactly their own custom_components (none of A''s is public)');
select set_eq($$ select id::text from public.v_runnable_tasks $$,
    format($$ select id from expected where relation = 'v_runnable_tasks' and owner_id = %L $$, :'user_b'),
    'B sees exactly their own rows of v_runnable_tasks');
select set_eq($$ select batch_id || '/' || stage_key from public.v_stage_progress $$,
    format($$ select id from expected where relation = 'v_stage_progress' and owner_id = %L $$, :'user_b'),
    'B sees exactly their own rows of v_stage_progress');
select tests.clear_authentication();

select * from finish();
rollback;
