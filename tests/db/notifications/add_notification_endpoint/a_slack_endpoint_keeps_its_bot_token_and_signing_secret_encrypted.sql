begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select id, secret is not null as secret_shown from public.add_notification_endpoint('slack', 'team', p_slack_channel => 'C0123ABCD',
    p_slack_bot_token => 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
    p_slack_signing_secret => '8f742231b10e8888abcd99yyyzzz85a5') \gset e_
select is(:'e_secret_shown', false, 'nothing secret is shown back');
select is((select (kind, slack_channel, secret_prefix)::text from public.notification_endpoints where id = :'e_id'),
    '(slack,C0123ABCD,xoxb-1765)', 'the owner sees its channel and the start of its token');
select throws_ok('select signing_secret_encrypted from public.notification_endpoints', '42501', null,
    'but cannot read the stored signing secret');
select throws_ok($$ select public.add_notification_endpoint('slack', 'x', p_slack_channel => 'C1',
    p_slack_bot_token => 'not-a-bot-token', p_slack_signing_secret => '8f742231b10e8888abcd99yyyzzz85a5') $$,
    'OR003', null, 'a bot token that is not xoxb- is refused with OR003');
select throws_ok($$ select public.add_notification_endpoint('webhook', 'y', p_url => 'https://x.example.test',
    p_slack_channel => 'C1') $$, 'OR003', null, 'Slack settings on a webhook are refused with OR003');
select tests.clear_authentication();

select is((select (orchable._decrypt_api_key(secret_encrypted), orchable._decrypt_api_key(signing_secret_encrypted))::text
        from public.notification_endpoints where id = :'e_id'),
    '(xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy,8f742231b10e8888abcd99yyyzzz85a5)',
    'the bot token and the signing secret are stored encrypted, as API keys are');

select orchable._notify(:'owner_id', 'endpoint.test', 'hello', '{}', null, null) as notification_id \gset
select tests.authenticate_as_worker();
select is((select (endpoint_kind, slack_channel, secret, endpoint_id, link_token)::text
        from public.claim_notification_deliveries('w1', 10, 60)),
    format('(slack,C0123ABCD,xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy,%s,)', :'e_id'),
    'the worker that delivers gets the channel and the bot token, never the signing secret');
select tests.clear_authentication();

select * from finish();
rollback;
