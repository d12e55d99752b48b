begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select (public.upsert_orchestrator(jsonb_build_object(
    'name', 'reviewed', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', jsonb_build_array(jsonb_build_object('key', 'draft', 'template', 'Draft {{topic}}', 'requires_approval', true))
))).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.task_id(:'batch_id', 'draft') as task_id \gset
select tests.complete(:'task_id', '{"text": "a draft"}');

select is((select interaction_type from public.human_interactions where task_id = :'task_id'), 'approval', 'an approval');
select is((select channels from public.human_interactions where task_id = :'task_id'), array['in_app'], 'asked in the app');
select is((select timeout_at from public.human_interactions where task_id = :'task_id'), null, 'with no timeout');
select is((select next_step_at from public.human_interactions where task_id = :'task_id'), null,
    'so tick() has nothing to do with it');

select * from finish();
rollback;
