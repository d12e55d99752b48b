begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');
select * from public.add_trigger(:'orchestrator_id', 'nightly', 'cron', '30 2 * * *', 'America/New_York',
    '[{"question": "a"}, {"question": "b"}]', '{"ai_settings": {"temperature": 0}}') \gset t_
select tests.clear_authentication();
select is(:'t_next_run_at'::timestamptz, public.cron_next_run('30 2 * * *', now(), 'America/New_York'),
    'the trigger is scheduled at its schedule''s next time');

select is((select trigger_launches from public.tick(:'t_next_run_at'::timestamptz)), 1, 'tick launches it when due');
select is(
    (select row(b.total_tasks, b.config)::text from public.task_batches as b
     join public.triggers as t on t.last_batch_id = b.id where t.id = :'t_id'),
    row(2, '{"ai_settings": {"temperature": 0}}'::jsonb)::text,
    'its batch has the trigger''s inputs and config');
select is((select next_run_at from public.triggers where id = :'t_id'),
    public.cron_next_run('30 2 * * *', :'t_next_run_at'::timestamptz, 'America/New_York'),
    'the trigger moves to its next time');

select * from finish();
rollback;
