begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "message": "Publish this draft?"}') \gset
select tests.authenticate_as(:'owner_id');
select outcome from public.respond_to_interaction(:'interaction_id', '{"decision": "approve"}');
select tests.clear_authentication();

select tests.authenticate_as(:'owner_id');
-- The draft's generated event and its question come from one transaction (which of the
-- two is first is the triggers' order); the rest of the story is strictly ordered.
select results_eq(
    format($$select event, to_status, stage_key from public.v_batch_timeline
        where batch_id = %L and category = 'business' and not (event = 'task_status' and to_status = 'generated')
        order by event_id$$, :'batch_id'),
    $$ values
        ('batch_status', 'pending', null::text),
        ('batch_status', 'processing', null),
        ('interaction', 'requested', 'draft'),
        ('interaction', 'responded', 'draft'),
        ('task_status', 'completed', 'draft') $$,
    'the story shows the question, its answer and the draft going on, in order'
);
select is(
    (select row(message, created_at = (select created_at from public.v_batch_timeline
        where batch_id = :'batch_id' and to_status = 'requested'))::text
     from public.v_batch_timeline where batch_id = :'batch_id' and event = 'task_status' and to_status = 'generated'),
    row('draft generated, waiting for people', true)::text,
    'the task that waits says so, at the moment the question is asked'
);
select tests.clear_authentication();

select is(
    (select row(reason, status, task_id, resume_trigger, resumed_by)::text from public.batch_pauses
     where interaction_id = :'interaction_id'),
    row('interaction', 'resumed', :'task_id'::uuid, 'answer', :'owner_id'::uuid)::text,
    'the wait for people is a pause, ended by the answer of the person who gave it'
);

select * from finish();
rollback;
