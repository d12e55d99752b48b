begin;
select plan(8);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('manager@example.test') as manager_id \gset
select public.add_notification_endpoint('email', 'team', p_email_address => 'team@example.test', p_owner_id => :'owner_id');
select public.add_notification_endpoint('email', 'boss', p_email_address => 'boss@example.test', p_owner_id => :'owner_id');
select * from tests.ask(:'owner_id', jsonb_build_object('type', 'approval', 'channels', jsonb_build_array('in_app', 'email'),
    'endpoints', jsonb_build_array('team'), 'timeout', '4 hours', 'reminders', jsonb_build_array('1 hour', '2 hours'),
    'escalation', jsonb_build_array(jsonb_build_object('after', '3 hours', 'endpoints', jsonb_build_array('boss'),
        'responders', jsonb_build_array(:'manager_id'))))) \gset

select is((select count(*)::integer from public.notifications where kind = 'interaction.requested'), 1,
    'the question goes out once');
select is((select count(*)::integer from public.notification_deliveries), 1, 'to the named endpoint only');
select public.tick(now() + interval '61 minutes');
select public.tick(now() + interval '62 minutes');
select is((select count(*)::integer from public.notifications where kind = 'interaction.reminder'), 1,
    'the first reminder goes once, however often tick runs');
select public.tick(now() + interval '121 minutes');
select is((select reminders_sent from public.human_interactions where id = :'interaction_id'), 2, 'then the second');
select public.tick(now() + interval '181 minutes');
select public.tick(now() + interval '182 minutes');
select is((select count(*)::integer from public.notifications where kind = 'interaction.escalated'), 1, 'the escalation once');
select is((select count(*)::integer from public.notification_deliveries as d
    join public.notifications as n on n.id = d.notification_id where n.kind = 'interaction.escalated'), 2,
    'to the team and the escalation''s endpoint');
select ok((select :'manager_id'::uuid = any(responder_ids) from public.human_interactions where id = :'interaction_id'),
    'the escalation''s responder may now answer');
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending', 'still waiting for the timeout');

select * from finish();
rollback;
