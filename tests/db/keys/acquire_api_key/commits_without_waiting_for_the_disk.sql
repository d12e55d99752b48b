begin;
select plan(3);

grant usage on schema extensions to orchable_worker;

select tests.create_user('owner@example.com') as owner_id \gset
select id as key_id from public.add_api_key('gemini', 'AIzaSy-owner-key-000000001', p_owner_id => :'owner_id') \gset

select tests.authenticate_as_service_role();
select is(current_setting('synchronous_commit'), 'on', 'a transaction waits for the disk to commit by default');
select api_key_id from public.acquire_api_key(:'owner_id', 'gemini');
select is(
    current_setting('synchronous_commit'), 'off',
    'acquiring a key (a last_used_at hint) lets its transaction commit without waiting for the disk'
);
select tests.clear_authentication();
reset synchronous_commit;

select tests.authenticate_as_service_role();
select public.report_api_key_result(:'key_id', 'success');
select is(
    current_setting('synchronous_commit'), 'off',
    'so does reporting how a call with the key went'
);

select * from finish();
rollback;
