begin;
select plan(9);

select results_eq($$
    select p.proname::text collate "C", r.rolname::text collate "C", has_function_privilege(r.rolname, p.oid, 'execute')
    from pg_proc as p
    cross join (values ('anon'), ('authenticated'), ('orchable_worker'), ('orchable_serve'), ('service_role')) as r (rolname)
    where p.pronamespace = 'public'::regnamespace
        and p.proname in ('receive_hil_response', 'endpoint_signing_secret', 'match_hil_response',
            'interaction_for_link', 'answer_by_link')
    order by 1, 2 $$,
    $$ select f collate "C", r collate "C", r in ('orchable_serve', 'service_role')
    from unnest(array['answer_by_link', 'endpoint_signing_secret', 'interaction_for_link', 'match_hil_response',
        'receive_hil_response']) as f
    cross join unnest(array['anon', 'authenticated', 'orchable_serve', 'orchable_worker', 'service_role']) as r
    order by 1, 2 $$,
    'the serve RPCs are callable by orchable_serve and service_role only');

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset

select tests.authenticate_as(:'owner_id');
select throws_ok(format($$ select public.endpoint_signing_secret(%L, 'webhook') $$, :'webhook_id'), '42501', null,
    'a signed-in user cannot read an endpoint''s secret through serve''s RPC');
select tests.authenticate_as_worker();
select throws_ok(format($$ select public.receive_hil_response('webhook', %L, '{}') $$, :'webhook_id'), '42501', null,
    'nor can the worker store answers');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.interaction_for_link('x') $$, '42501', null, 'nor can anon read links');

select tests.authenticate_as_serve();
select lives_ok(format($$ select public.endpoint_signing_secret(%L, 'webhook') $$, :'webhook_id'),
    'orchable serve reads the secret it verifies answers with');
select throws_ok('select count(*) from public.hil_responses', '42501', null, 'serve reads no table: hil_responses');
select throws_ok('select count(*) from public.notification_endpoints', '42501', null, 'nor notification_endpoints');
select throws_ok('select count(*) from public.interaction_links', '42501', null, 'nor interaction_links');
select throws_ok($$ select * from public.claim_tasks('serve') $$, '42501', null, 'and it cannot claim tasks');
select tests.clear_authentication();

select * from finish();
rollback;
