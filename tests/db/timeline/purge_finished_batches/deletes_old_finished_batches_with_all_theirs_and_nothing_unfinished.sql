begin;
select plan(8);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '100 days') as completed_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'failed', '100 days') as failed_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'completed', '10 days') as recent_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'pending', '100 days') as pending_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'processing', '100 days') as processing_id \gset
select tests.aged_batch(:'owner_id', :'orchestrator_id', 'paused', '100 days') as paused_id \gset
-- A batch whose interaction was cancelled with it, 100 days ago.
select batch_id as asked_id, interaction_id from tests.ask(:'owner_id', '{"type": "approval"}') \gset
select tests.authenticate_as(:'owner_id');
select public.cancel_batch(:'asked_id');
select tests.clear_authentication();
update public.task_batches set finished_at = finished_at - interval '100 days' where id = :'asked_id';

select tests.authenticate_as_service_role();
select is(public.purge_finished_batches('90 days'), 3::bigint, 'it deletes the three batches that finished over 90 days ago');
select tests.clear_authentication();

select is(
    (select count(*)::integer from public.task_batches where id in (:'completed_id', :'failed_id', :'asked_id')), 0,
    'the batches are gone'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id in (:'completed_id', :'failed_id', :'asked_id')), 0,
    'with their tasks'
);
select is(
    (select count(*)::integer from public.task_events where batch_id in (:'completed_id', :'failed_id', :'asked_id')), 0,
    'their events'
);
select is(
    (select count(*)::integer from public.llm_calls where batch_id in (:'completed_id', :'failed_id', :'asked_id')), 0,
    'their LLM calls'
);
select is(
    (select count(*)::integer from public.human_interactions where id = :'interaction_id')
        + (select count(*)::integer from public.batch_pauses where batch_id = :'asked_id'),
    0,
    'their interactions and pauses'
);
select set_eq(
    'select id from public.task_batches',
    format('values (%L::uuid), (%L), (%L), (%L)', :'recent_id', :'pending_id', :'processing_id', :'paused_id'),
    'a batch finished 10 days ago, and pending, processing and paused batches, stay'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id in (:'recent_id', :'pending_id', :'processing_id', :'paused_id')),
    4,
    'with their tasks'
);

select * from finish();
rollback;
