begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id') as endpoint_id \gset
select * from tests.ask(:'owner_id', '{"type": "selection", "channels": ["webhook"], "options": ["short", "long"]}') \gset
insert into public.hil_responses (owner_id, source_channel, endpoint_id, raw_payload, responder_key, free_text, reason, interaction_id)
values (:'owner_id', 'webhook', :'endpoint_id', '{}', 'webhook:' || :'endpoint_id', 'I am out of office until Monday',
    'awaiting classification', :'interaction_id')
returning id as response_id, reading_batch_id \gset

select tests.complete(tests.task_id(:'reading_batch_id', 'read'),
    '{"relevance": 0.69, "decision": "select", "choice": "long", "reasoning": "An out-of-office note."}');
select is((select (status, reason, ai_relevance_score)::text from public.hil_responses where id = :'response_id'),
    '(filtered_out,"not read as an answer: relevance 0.69, below 0.70",0.69)',
    'a reading below the threshold (answer_relevance_percent) is filtered out, saying why');
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending',
    'and the interaction still waits');
select is((select count(*)::integer from public.interaction_answers where interaction_id = :'interaction_id'), 0,
    'no answer is recorded');

select * from finish();
rollback;
