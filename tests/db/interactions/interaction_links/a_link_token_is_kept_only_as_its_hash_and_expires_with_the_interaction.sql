begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_email(:'owner_id', 'ann@example.test') as email_id \gset
select tests.add_webhook(:'owner_id') as webhook_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["email", "webhook"], "timeout": "2 hours"}') \gset

select tests.authenticate_as_worker();
create temporary table claimed on commit drop as
select * from public.claim_notification_deliveries('w1', 10, 60);
select tests.clear_authentication();

select ok((select link_token ~ '^[A-Za-z0-9_-]{43}$' from claimed where endpoint_kind = 'email'),
    'the email''s claim hands the worker a token of 32 random bytes, URL-safe');
select is((select link_token from claimed where endpoint_kind = 'webhook'), null,
    'a webhook''s delivery gets none');
select is((select (l.interaction_id, l.recipient, l.expires_at = i.timeout_at)::text
        from public.interaction_links as l
        join public.human_interactions as i on i.id = l.interaction_id
        where l.token_hash = extensions.digest((select link_token from claimed where endpoint_kind = 'email'), 'sha256')),
    format('(%s,ann@example.test,t)', :'interaction_id'),
    'only its SHA-256 is kept, with the interaction, the address, and the interaction''s timeout as its expiry');
select is((select count(*)::integer from public.interaction_links as l, claimed as c
        where c.endpoint_kind = 'email' and strpos(row_to_json(l)::text, c.link_token) > 0),
    0, 'the token itself is nowhere in the row');

-- Another try of the same email (its lease lapsed) gets a token of its own.
update public.notification_deliveries set locked_until = now() - interval '1 second'
where endpoint_id = :'email_id';
select tests.authenticate_as_worker();
select isnt((select link_token from public.claim_notification_deliveries('w2', 10, 60) where endpoint_kind = 'email'),
    (select link_token from claimed where endpoint_kind = 'email'), 'each try of the email carries a new token');
select tests.clear_authentication();

-- Without a timeout a link lasts interaction_link_days.
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["email"]}') \gset n_
select tests.authenticate_as_worker();
select count(*) as claimed from public.claim_notification_deliveries('w3', 10, 60) \gset w3_
select tests.clear_authentication();
select is((select expires_at - created_at from public.interaction_links where interaction_id = :'n_interaction_id'),
    make_interval(days => orchable._limit('interaction_link_days')::integer),
    'the link of an interaction with no timeout lasts interaction_link_days');

select * from finish();
rollback;
