begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id') as endpoint_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"], "message": "Publish the draft?"}') \gset
insert into public.hil_responses (owner_id, source_channel, endpoint_id, raw_payload, responder_key, free_text, reason)
values (:'owner_id', 'webhook', :'endpoint_id', '{"text": "yes, ship it"}', 'webhook:' || :'endpoint_id',
    'yes, ship it', 'awaiting classification')
returning id as response_id, reading_batch_id \gset

select isnt(:'reading_batch_id'::uuid, null, 'storing the reply launches its reading');
select is((select o.name from public.task_batches as b join public.orchestrators as o on o.id = b.orchestrator_id
    where b.id = :'reading_batch_id'), 'answers (orchable)', 'in the owner''s own "answers (orchable)" pipeline');
select is((select input_data ->> 'interaction_id' from public.ai_tasks where batch_id = :'reading_batch_id'),
    :'interaction_id', 'of the one interaction open on its endpoint');
select ok((select input_data ->> 'reply' = 'yes, ship it' and input_data ->> 'question' = 'Publish the draft?'
    from public.ai_tasks where batch_id = :'reading_batch_id'), 'the model reads the reply against the question');

select tests.complete(tests.task_id(:'reading_batch_id', 'read'),
    '{"relevance": 0.92, "decision": "approve", "reasoning": "They say to ship it."}');
select is((select (status, answer_outcome, ai_relevance_score, ai_reasoning)::text from public.hil_responses where id = :'response_id'),
    '(matched,settled,0.92,"They say to ship it.")', 'what it reads answers the interaction, with the score and reasoning kept');
select is((select (status, outcome)::text from public.human_interactions where id = :'interaction_id'),
    '(responded,approved)', 'the interaction is approved');
select is((select (channel, hil_response_id, response ->> 'reason')::text from public.interaction_answers
    where interaction_id = :'interaction_id'), format('(webhook,%s,"yes, ship it")', :'response_id'),
    'the answer names the response it came from and keeps the reply');

select * from finish();
rollback;
