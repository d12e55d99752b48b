begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset

select tests.authenticate_as(:'owner_id');
select status as paused_status from public.pause_batch(:'batch_id') \gset
select status as paused_again_status from public.pause_batch(:'batch_id') \gset
select tests.authenticate_as_worker();
select count(*) as claimed_count from public.claim_tasks('w1', 10) \gset
select tests.clear_authentication();

select is(:'paused_status'::text, 'paused', 'the batch is paused');
select is(:'paused_again_status'::text, 'paused', 'pausing a paused batch leaves it paused');
select is(:'claimed_count'::integer, 0, 'no task of a paused batch is claimed');

select * from finish();
rollback;
