begin;
select plan(9);

select tests.create_user('owner@example.test') as owner_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "message": "Publish the draft on {{topic}}: {{output.text}}?",
    "timeout": "2 hours", "on_timeout": "fail", "priority": "high"}') \gset

select is((select status from public.ai_tasks where id = :'task_id'), 'generated', 'the task waits in generated');
select is((select count(*)::integer from public.human_interactions where task_id = :'task_id'), 1,
    'one interaction is open for it, written by the completion itself');
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending', 'it is pending');
select is((select request_data ->> 'message' from public.human_interactions where id = :'interaction_id'),
    'Publish the draft on cats: a draft?', 'its message is rendered from the task''s input and output');
select is((select request_data -> 'output' from public.human_interactions where id = :'interaction_id'),
    '{"text": "a draft"}'::jsonb, 'it carries the output asked about');
select ok((select timeout_at between now() + interval '2 hours' - interval '1 second' and now() + interval '2 hours'
    from public.human_interactions where id = :'interaction_id'), 'its timeout is the stage''s, from now');
select is((select (on_timeout, priority, correlation_id) from public.human_interactions where id = :'interaction_id')::text,
    format('(fail,high,orchable:%s)', :'interaction_id'), 'on_timeout, priority and correlation id come with it');
select is((select responder_ids from public.human_interactions where id = :'interaction_id'), array[:'owner_id'::uuid],
    'the owner answers when the stage names no responders');
select is((select (reason, status) from public.batch_pauses where interaction_id = :'interaction_id')::text,
    '(interaction,active)', 'the wait is recorded as a pause of the batch');

select * from finish();
rollback;
