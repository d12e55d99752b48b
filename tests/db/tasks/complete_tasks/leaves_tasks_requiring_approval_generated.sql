begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select (public.upsert_orchestrator(jsonb_build_object(
    'name', 'reviewed', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', jsonb_build_array(
        jsonb_build_object('key', 'draft', 'template', 'Draft {{topic}}', 'requires_approval', true,
            'next', jsonb_build_array('publish')),
        jsonb_build_object('key', 'publish', 'template', 'Publish {{text}}'))
))).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset

select jsonb_agg(jsonb_build_object('task_id', id, 'claim_token', tests.claim(id), 'output', '{"text": "a draft"}'::jsonb))
    as results
from public.ai_tasks where batch_id = :'batch_id' \gset
select tests.authenticate_as_worker();
select string_agg(status, ',') as statuses from public.complete_tasks(:'results') \gset
select tests.clear_authentication();

select is(:'statuses'::text, 'generated,generated', 'complete_tasks answers generated for both');
select is(
    (select count(*)::integer from public.ai_tasks
     where batch_id = :'batch_id' and status = 'generated' and completed_at is null and claim_token is null
         and output_data = '{"text": "a draft"}'),
    2,
    'both tasks wait in generated with their output, released'
);
select is((select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'publish'), 0,
    'no child is created before approval');

select * from finish();
rollback;
