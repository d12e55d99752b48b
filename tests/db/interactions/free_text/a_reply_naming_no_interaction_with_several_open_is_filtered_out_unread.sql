begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id') as endpoint_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"]}');
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"]}');
insert into public.hil_responses (owner_id, source_channel, endpoint_id, raw_payload, responder_key, free_text, reason)
values (:'owner_id', 'webhook', :'endpoint_id', '{}', 'webhook:' || :'endpoint_id', 'ok', 'awaiting classification')
returning id as response_id \gset

select is((select reading_batch_id from public.hil_responses where id = :'response_id'), null, 'nothing is launched');
select is((select (status, reason)::text from public.hil_responses where id = :'response_id'),
    '(filtered_out,"it names no interaction, and 2 are open on its endpoint")', 'it is filtered out, saying why');
select is((select count(*)::integer from public.task_batches as b join public.orchestrators as o on o.id = b.orchestrator_id
    where o.name = 'answers (orchable)'), 0, 'and no model is paid to read it');

select * from finish();
rollback;
