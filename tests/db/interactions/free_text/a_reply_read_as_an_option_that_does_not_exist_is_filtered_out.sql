begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id') as endpoint_id \gset
select * from tests.ask(:'owner_id', '{"type": "selection", "channels": ["webhook"], "options": ["short", "long"]}') \gset
insert into public.hil_responses (owner_id, source_channel, endpoint_id, raw_payload, responder_key, free_text, reason, interaction_id)
values (:'owner_id', 'webhook', :'endpoint_id', '{}', 'webhook:' || :'endpoint_id', 'medium please',
    'awaiting classification', :'interaction_id')
returning id as response_id, reading_batch_id \gset

select tests.complete(tests.task_id(:'reading_batch_id', 'read'),
    '{"relevance": 0.9, "decision": "select", "choice": "medium", "reasoning": "They ask for medium."}');
select is((select status from public.hil_responses where id = :'response_id'), 'filtered_out',
    'what the reading picks must still fit the question');
select matches((select reason from public.hil_responses where id = :'response_id'), '^what it reads does not fit: ',
    'the reason says so');

select * from finish();
rollback;
