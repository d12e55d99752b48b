begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id') as endpoint_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"]}') \gset
insert into public.hil_responses (owner_id, source_channel, endpoint_id, raw_payload, responder_key, free_text, reason)
values (:'owner_id', 'webhook', :'endpoint_id', '{}', 'webhook:' || :'endpoint_id', 'sure', 'awaiting classification')
returning id as response_id, reading_batch_id \gset

update public.ai_tasks set status = 'failed', error_message = 'no key for gemini' where batch_id = :'reading_batch_id';
select is((select (status, reason)::text from public.hil_responses where id = :'response_id'),
    '(error,"its reading failed: no key for gemini")', 'a reading that fails leaves the reply in error, saying why');
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending', 'the interaction still waits');

select * from finish();
rollback;
