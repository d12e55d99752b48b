begin;
select plan(4);

-- The console runs each request as `set local role authenticated` on serve's login.
select ok(pg_has_role('orchable_serve', 'authenticated', 'member'),
    'orchable_serve may switch to authenticated, as the console does for each request');
select ok(not pg_has_role('orchable_serve', 'authenticated', 'usage'),
    'but it does not inherit authenticated''s privileges (like Supabase''s authenticator)');
select ok(not (select r.rolinherit from pg_roles as r where r.rolname = 'orchable_serve'),
    'orchable_serve is NOINHERIT');

select tests.authenticate_as_serve();
select throws_ok('select count(*) from public.task_batches', '42501', null,
    'as itself, serve still reads no table the console shows');
select tests.clear_authentication();

select * from finish();
rollback;
