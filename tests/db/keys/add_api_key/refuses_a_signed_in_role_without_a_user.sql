begin;
select plan(2);

select tests.create_user('a@example.test') as user_a \gset

-- A JWT of role authenticated without a sub must not pick the owner of a key.
select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"role": "authenticated"}', true);
select throws_ok(
    format($$ select public.add_api_key('gemini', 'AIzaSy-attacker-0123456789', null, 1000, null, %L) $$, :'user_a'),
    '42501', null, 'add_api_key as authenticated without a user is refused with 42501');
select tests.clear_authentication();

select is((select count(*)::integer from public.user_api_keys where owner_id = :'user_a'), 0,
    'no key was added for the user it named');

select * from finish();
rollback;
