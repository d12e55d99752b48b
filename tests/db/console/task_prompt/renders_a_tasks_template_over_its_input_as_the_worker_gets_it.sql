begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('stranger@example.test') as stranger_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "why is the sky blue?"}]') \gset
select id as task_id from public.ai_tasks where batch_id = :'batch_id' \gset
select public.task_prompt(:'task_id') as prompt \gset
select tests.clear_authentication();

select ok(:'prompt' like '%why is the sky blue?%', 'the prompt has the input in its placeholder');
select tests.authenticate_as_worker();
create temporary table claimed on commit drop as select * from public.claim_tasks('w1', 1);
select tests.clear_authentication();
select is(
    :'prompt',
    (select c.prompt from claimed as c where c.task_id = :'task_id'),
    'and is the very prompt the worker is given when it claims the task');

select tests.authenticate_as(:'stranger_id');
select throws_ok(format('select public.task_prompt(%L)', :'task_id'), 'OR004', format('task %s not found', :'task_id'),
    'another user''s task is not found');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(format('select public.task_prompt(%L)', :'task_id'), '42501', null, 'anon may not call it');
select tests.clear_authentication();

select * from finish();
rollback;
