begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select throws_ok($$ select public.create_monitor('m', 'q', 'c', '0 25 * * *') $$,
    'OR031', null, 'an hour of 25 is refused with OR031');
select throws_ok($$ select public.create_monitor('m', 'q', 'c', '0 0 30 2 *') $$,
    'OR031', null, 'a schedule that can never fire is refused with OR031');
select throws_ok($$ select public.create_monitor('m', 'q', 'c', '@daily', 'Mars/Olympus_Mons') $$,
    'OR031', null, 'an unknown time zone is refused with OR031');
select throws_ok($$ select public.create_monitor('m', 'q', 'c', '@daily', 'UTC', 'sometimes') $$,
    'OR003', null, 'an unknown notify_behavior is refused with OR003');
select throws_ok($$ select public.create_monitor('m', 'q', 'c', '@daily', 'UTC', 'once', '{"modle": "x"}') $$,
    'OR003', 'invalid monitor: p_config has key ''modle'', which monitors do not know (they know model, fallback_models, notify_ungrounded, failure_alert_after)',
    'an unknown config key is refused with OR003, naming it');
select tests.clear_authentication();
select is((select count(*)::integer from public.monitors), 0, 'no monitor was made');

select * from finish();
rollback;
