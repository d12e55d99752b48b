begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_email(:'owner_id', 'ann@example.test') as email_id \gset
select * from tests.ask(:'owner_id', '{"type": "approval", "channels": ["email"], "timeout": "1 hour"}') \gset
-- The email's first try is due only after the interaction has timed out (its receiver
-- failed, quiet hours...).
update human_interactions set timeout_at = now() - interval '1 second', created_at = now() - interval '1 hour'
where id = :'interaction_id';

select tests.authenticate_as_worker();
select is((select (endpoint_kind, link_token)::text from public.claim_notification_deliveries('w1', 10, 60)),
    '(email,)', 'an email tried after its interaction''s timeout is claimed without a link');
select tests.clear_authentication();
select is((select count(*)::integer from public.interaction_links), 0, 'and no link is made');

select interaction_steps from public.tick() \gset
update public.notification_deliveries set locked_until = now() - interval '1 second' where endpoint_id = :'email_id';
select tests.authenticate_as_worker();
select is((select link_token from public.claim_notification_deliveries('w2', 10, 60)), null,
    'nor once it has been settled');
select tests.clear_authentication();

select * from finish();
rollback;
