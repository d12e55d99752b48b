begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset

select tests.authenticate_as_worker();
create temporary table claimed on commit drop as
select task_id, claim_token from public.claim_tasks('w1', 10);
select tests.clear_authentication();

select is((select count(*)::integer from claimed where claim_token is not null), 2, 'every claim returns a token');
select is((select count(distinct claim_token)::integer from claimed), 2, 'each claim gets its own token');

select is(
    (select count(*)::integer from claimed as c join public.ai_tasks as t on t.id = c.task_id and t.claim_token = c.claim_token),
    2, 'the token returned is the one stored on the task'
);
update public.ai_tasks set locked_until = now() - interval '1 second' where batch_id = :'batch_id';
select tests.authenticate_as_worker();
create temporary table reclaimed on commit drop as
select task_id, claim_token from public.claim_tasks('w2', 10);
select tests.clear_authentication();
select is(
    (select count(*)::integer from reclaimed as r join claimed as c using (task_id) where r.claim_token <> c.claim_token),
    2, 'a new claim of the same task gets a new token'
);

select * from finish();
rollback;
