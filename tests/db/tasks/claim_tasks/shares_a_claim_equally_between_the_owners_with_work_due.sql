begin;
select plan(4);

select tests.create_user('flood@example.test') as flood_id \gset
select tests.create_user('honest@example.test') as honest_id \gset
select tests.create_user('later@example.test') as later_id \gset
select tests.seed_single_stage_pipeline(:'flood_id') as flood_pipeline \gset
select tests.seed_single_stage_pipeline(:'honest_id') as honest_pipeline \gset
select tests.seed_single_stage_pipeline(:'later_id') as later_pipeline \gset

-- One owner's 100 inputs are queued before another's 4, and a third owner's tasks are not
-- due yet (a retry backoff).
select id as flood_batch from public.launch_batch(:'flood_pipeline',
    (select jsonb_agg(jsonb_build_object('question', 'q' || i)) from generate_series(1, 100) as i)) \gset
update public.ai_tasks set run_after = now() - interval '10 minutes' + make_interval(secs => substr(input_data ->> 'question', 2)::integer)
where batch_id = :'flood_batch';
select id as honest_batch from public.launch_batch(:'honest_pipeline',
    '[{"question": "a"}, {"question": "b"}, {"question": "c"}, {"question": "d"}]') \gset
select id as later_batch from public.launch_batch(:'later_pipeline', '[{"question": "z"}]') \gset
update public.ai_tasks set run_after = now() + interval '1 hour' where batch_id = :'later_batch';

select tests.authenticate_as_worker();
create temporary table claimed on commit drop as select * from public.claim_tasks('w1', 10);
select tests.clear_authentication();

select is((select count(*)::integer from claimed where owner_id = :'honest_id'), 4,
    'every due task of the owner queued second is in the first claim');
select is((select count(*)::integer from claimed where owner_id = :'flood_id'), 5,
    'the owner with the flood gets its share of the claim (half of 10), not all of it');
select results_eq(
    format('select task_id from claimed where owner_id = %L order by task_id', :'flood_id'),
    format($$select id from public.ai_tasks where batch_id = %L and substr(input_data ->> 'question', 2)::integer <= 5 order by id$$,
        :'flood_batch'),
    'its share is its earliest tasks');
select is((select count(*)::integer from claimed where owner_id = :'later_id'), 0,
    'an owner with no task due takes no share');

select * from finish();
rollback;
