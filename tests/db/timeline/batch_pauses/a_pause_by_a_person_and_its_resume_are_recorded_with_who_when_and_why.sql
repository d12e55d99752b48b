begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset

select tests.authenticate_as(:'owner_id');
select public.pause_batch(:'batch_id');
select tests.clear_authentication();

select is(
    (select row(reason, status, paused_by, resumed_at, resume_trigger)::text
     from public.batch_pauses where batch_id = :'batch_id'),
    row('person', 'active', :'owner_id'::uuid, null::timestamptz, null::text)::text,
    'the pause is recorded as a person''s, by its owner, still active'
);

-- Pausing a paused batch again records nothing more.
select tests.authenticate_as(:'owner_id');
select public.pause_batch(:'batch_id');
select tests.clear_authentication();
select is((select count(*)::integer from public.batch_pauses where batch_id = :'batch_id'), 1,
    'pausing a paused batch again adds no second pause');

-- The resume comes an hour later (the pause is moved back, not the clock).
update public.batch_pauses set paused_at = paused_at - interval '1 hour' where batch_id = :'batch_id';
select tests.authenticate_as(:'owner_id');
select public.resume_batch(:'batch_id');
select tests.clear_authentication();

select is(
    (select row(reason, status, resumed_by, resume_trigger)::text from public.batch_pauses where batch_id = :'batch_id'),
    row('person', 'resumed', :'owner_id'::uuid, 'person')::text,
    'the resume says what resumed it and who'
);
select ok(
    (select resumed_at - paused_at between interval '59 minutes' and interval '61 minutes'
     from public.batch_pauses where batch_id = :'batch_id'),
    'the pause keeps when it began and when it ended'
);
select results_eq(
    format($$select to_status, category, level, detail ->> 'reason' from public.task_events
        where batch_id = %L and event = 'pause' order by id$$, :'batch_id'),
    $$ values ('paused', 'business', 'warning', 'person'), ('resumed', 'business', 'info', 'person') $$,
    'the timeline shows the pause and its end'
);
select is(
    (select detail ->> 'pause_id' from public.task_events where batch_id = :'batch_id' and event = 'pause' and to_status = 'resumed'),
    (select id::text from public.batch_pauses where batch_id = :'batch_id'),
    'the timeline names the pause'
);

-- A second pause is a new row; cancelling the batch ends it as cancelled.
select tests.authenticate_as(:'owner_id');
select public.pause_batch(:'batch_id');
select public.cancel_batch(:'batch_id');
select tests.clear_authentication();
select results_eq(
    format('select status, resume_trigger from public.batch_pauses where batch_id = %L order by paused_at', :'batch_id'),
    $$ values ('resumed', 'person'), ('cancelled', 'cancel') $$,
    'a batch cancelled while paused ends its pause as cancelled'
);

select * from finish();
rollback;
