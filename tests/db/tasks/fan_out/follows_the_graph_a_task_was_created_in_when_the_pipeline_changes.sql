begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
-- v1: a -> m (1:1).
select (public.upsert_orchestrator(jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 'a',
    'stages', jsonb_build_array(
        jsonb_build_object('key', 'a', 'template', 'A {{x}}', 'next', jsonb_build_array('m')),
        jsonb_build_object('key', 'm', 'template', 'M {{x}}')))
)).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"x": 1}]') \gset
select tests.task_id(:'batch_id', 'a') as task_a \gset
select tests.claim(:'task_a') as token_a \gset

-- v2, applied while the v1 task of a runs: a -> s (1:N) -> m (N:1).
select public.upsert_orchestrator(jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 'a',
    'stages', jsonb_build_array(
        jsonb_build_object('key', 'a', 'template', 'A2 {{x}}', 'next', jsonb_build_array('s')),
        jsonb_build_object('key', 's', 'template', 'S {{item}}', 'cardinality', '1:N', 'split_path', 'xs',
            'next', jsonb_build_array('m')),
        jsonb_build_object('key', 'm', 'template', 'M {{items}}', 'cardinality', 'N:1'))));

select tests.authenticate_as_worker();
select is(public.complete_task(:'task_a', :'token_a', '{"x": 2}'), 'completed',
    'the v1 task completes although its pipeline changed');
select tests.clear_authentication();
select is(
    (select prompt_template_id from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'm'),
    :'orchestrator_id' || '_m_1',
    'its child is the v1 version of m, as its own graph says (1:1)');
select is(
    (select input_data from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'm'), '{"x": 2}'::jsonb,
    'with the output as its input');
select is(tests.complete(tests.task_id(:'batch_id', 'm'), '{"done": true}'), 'completed',
    'and the input finishes along the v1 graph');

select * from finish();
rollback;
