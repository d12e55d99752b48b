begin;
select plan(3);

select tests.authenticate_as(tests.create_user('a@example.test'));
select is(
    public.cron_next_run('0 9 * * mon-fri', '2026-01-02 12:00+00', 'Europe/Berlin'), '2026-01-05 09:00+01'::timestamptz,
    'a signed-in user can preview a schedule'
);
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is(
    public.cron_next_run('@daily', '2026-01-02 12:00+00'), '2026-01-03 00:00+00'::timestamptz,
    'service_role can too'
);
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok(
    $$ select public.cron_next_run('@daily', '2026-01-02 12:00+00') $$,
    '42501', null, 'anon calling cron_next_run is refused with 42501'
);
select tests.clear_authentication();

select * from finish();
rollback;
