begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_slack(:'owner_id') as slack_id \gset
select interaction_id as first_id from tests.ask(:'owner_id', '{"type": "approval", "channels": ["slack"], "message": "Ship the first?"}') \gset
select interaction_id as second_id from tests.ask(:'owner_id', '{"type": "approval", "channels": ["slack"], "message": "Ship the second?"}') \gset

-- The worker posted each question and reported the message as <channel>:<ts>.
select tests.authenticate_as_worker();
select count(*) from (
    select public.report_notification_delivery(d.delivery_id, d.claim_token, 'delivered', 200,
        p_external_id => 'C0TEAM:1700000000.00000' || row_number() over (order by d.notification_id))
    from public.claim_notification_deliveries('worker-1', 10) as d
) as reported;
select tests.clear_authentication();
select is((select count(*)::integer from public.notification_deliveries where external_id is not null), 2,
    'each message is kept as Slack calls it');

select d.external_id as second_message from public.notification_deliveries as d
join public.notifications as n on d.notification_id = n.id where n.interaction_id = :'second_id' \gset
insert into public.hil_responses (owner_id, source_channel, endpoint_id, raw_payload, responder_key, free_text, reason)
values (:'owner_id', 'slack', :'slack_id',
    jsonb_build_object('type', 'event_callback', 'team_id', 'T0TEAM', 'event', jsonb_build_object(
        'type', 'message', 'channel', split_part(:'second_message', ':', 1),
        'thread_ts', split_part(:'second_message', ':', 2), 'user', 'U0ANN', 'text', 'yes, ship it')),
    'slack:T0TEAM:U0ANN', 'yes, ship it', 'awaiting classification')
returning id as response_id, reading_batch_id \gset

select is((select input_data ->> 'interaction_id' from public.ai_tasks where batch_id = :'reading_batch_id'),
    :'second_id', 'with two questions open on the channel, the reply is read against the one its thread asked');
select tests.complete(tests.task_id(:'reading_batch_id', 'read'),
    '{"relevance": 0.95, "decision": "approve", "reasoning": "They say to ship it."}');
select is(
    (select array_agg(status order by message) from (
        select status, request_data ->> 'message' as message from public.human_interactions
        where id in (:'first_id', :'second_id')) as i),
    array['pending', 'responded'], 'and answers that one only');

select * from finish();
rollback;
