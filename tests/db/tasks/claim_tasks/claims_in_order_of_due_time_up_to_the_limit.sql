begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "late"}, {"question": "earliest"}, {"question": "middle"}]') \gset
update public.ai_tasks set run_after = now() - case input_data ->> 'question'
    when 'late' then interval '1 minute' when 'earliest' then interval '3 minutes' else interval '2 minutes' end
where batch_id = :'batch_id';

select tests.authenticate_as_worker();
create temporary table claimed on commit drop as
select * from public.claim_tasks('w1', 2);
select tests.clear_authentication();

select is((select count(*)::integer from claimed), 2, 'no more than p_limit tasks are claimed');
select set_eq(
    'select input_data ->> ''question'' from claimed',
    array['earliest', 'middle'],
    'the tasks due first are claimed first'
);

select is(
    (select status from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'late'),
    'plan', 'the task due last is left in plan'
);
select is(
    (select count(*)::integer from public.ai_tasks
     where batch_id = :'batch_id' and status = 'processing' and locked_by = 'w1' and locked_until > now()),
    2, 'the claimed tasks are processing under a lease held by the worker'
);

select * from finish();
rollback;
