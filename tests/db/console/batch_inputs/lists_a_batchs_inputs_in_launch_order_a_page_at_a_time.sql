begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "1"}, {"question": "2"}, {"question": "3"}, {"question": "4"}, {"question": "5"}]') \gset

select results_eq(
    format('select public.batch_inputs(%L, null, 500)', :'batch_id'),
    format($$select id from public.ai_tasks where batch_id = %L and parent_task_id is null order by id$$, :'batch_id'),
    'every input of the batch, in the order of their time-ordered ids');
select is((select count(*)::integer from public.batch_inputs(:'batch_id', null, 2)), 2, 'at most p_limit');
select i as second_id from public.batch_inputs(:'batch_id', null, 2) as i order by i desc limit 1 \gset
select results_eq(
    format('select public.batch_inputs(%L, %L, 500)', :'batch_id', :'second_id'),
    format($$select id from public.ai_tasks where batch_id = %L and parent_task_id is null order by id offset 2$$,
        :'batch_id'),
    'and the page after p_after is the rest');
select throws_ok(format('select public.batch_inputs(%L, null, 0)', :'batch_id'), 'OR003', null,
    'a p_limit out of 1 to 500 raises OR003');
select tests.clear_authentication();

select * from finish();
rollback;
