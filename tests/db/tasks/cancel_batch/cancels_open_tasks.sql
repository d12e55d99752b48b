begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "planned"}, {"question": "in flight"}, {"question": "done"}]') \gset
select tests.claim(id) from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'question' = 'in flight';
select tests.complete(id, '{"answer": "done"}') from public.ai_tasks
where batch_id = :'batch_id' and input_data ->> 'question' = 'done';

select tests.authenticate_as(:'owner_id');
select status as cancelled_status from public.cancel_batch(:'batch_id') \gset
select status as cancelled_again_status from public.cancel_batch(:'batch_id') \gset
select tests.clear_authentication();

select is(:'cancelled_status'::text, 'cancelled', 'the batch is cancelled');
select is(:'cancelled_again_status'::text, 'cancelled', 'cancelling it again leaves it cancelled');
select is(
    (select array_agg(status order by input_data ->> 'question') from public.ai_tasks where batch_id = :'batch_id'),
    array['completed', 'cancelled', 'cancelled'], 'open tasks are cancelled, the completed one is kept'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and claim_token is not null), 0,
    'no cancelled task holds a lease'
);

select * from finish();
rollback;
