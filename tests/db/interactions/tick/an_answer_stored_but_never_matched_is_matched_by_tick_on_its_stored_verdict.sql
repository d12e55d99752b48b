begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["webhook"]}') \gset

-- orchable serve stored two answers, then stopped before matching either.
select tests.authenticate_as_serve();
select public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'interaction_id', 'webhook:forged',
    '{"decision": "reject", "reason": "forged"}', p_signature_error => 'No matching signature found') as forged_id \gset
select public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'interaction_id',
    'webhook:' || :'webhook_id', '{"decision": "approve"}') as signed_id \gset
select tests.clear_authentication();

select is((select interaction_steps from public.tick(now() + interval '30 seconds')), 0,
    'a tick leaves an answer younger than a minute to the serve that stored it');
select is((select interaction_steps from public.tick(now() + interval '2 minutes')), 2,
    'a tick a minute later matches both');
select is((select (status, reason)::text from public.hil_responses where id = :'forged_id'),
    '(filtered_out,"not verified: No matching signature found")', 'the one whose signature failed, as unverified');
select is((select (status, answer_outcome)::text from public.hil_responses where id = :'signed_id'),
    '(matched,settled)', 'the verified one answers');
select is((select interaction_steps from public.tick(now() + interval '3 minutes')), 0, 'each is matched once');

select * from finish();
rollback;
