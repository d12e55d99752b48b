begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select jsonb_agg(jsonb_build_object('question', format('question %s', i))) as inputs
from generate_series(1, 10000) as i \gset

select tests.authenticate_as(:'owner_id');
set local statement_timeout = '8s';

select id as batch_id, total_tasks from public.launch_batch(:'orchestrator_id', :'inputs') \gset

select is(:'total_tasks'::integer, 10000, 'the batch counts 10,000 inputs');
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 10000,
    'the owner sees 10,000 root tasks'
);

select * from finish();
rollback;
