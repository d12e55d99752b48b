begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    (select jsonb_agg(jsonb_build_object('question', 'q' || i)) from generate_series(1, 10) as i)) \gset
insert into orchable.limits (name, value, description)
values ('tasks_in_flight_per_owner', 3, 'tasks one owner may have processing at once');

select tests.authenticate_as_worker();
select is((select count(*)::integer from public.claim_tasks('w1', 10)), 3,
    'a claim takes no more of an owner''s tasks than tasks_in_flight_per_owner');
select is((select count(*)::integer from public.claim_tasks('w2', 10)), 0,
    'nor does the next claim while those are processing');
select tests.clear_authentication();

update public.ai_tasks set locked_until = now() - interval '1 second'
where batch_id = :'batch_id' and status = 'processing';
select tests.authenticate_as_worker();
select is((select count(*)::integer from public.claim_tasks('w3', 10)), 3,
    'tasks whose lease expired no longer count as in flight');
select tests.clear_authentication();

select * from finish();
rollback;
