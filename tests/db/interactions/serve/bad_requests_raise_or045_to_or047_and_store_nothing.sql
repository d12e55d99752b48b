begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset
select tests.add_email(:'owner_id', 'ann@example.test') as email_id \gset
select orchable._limit('hil_response_bytes') as max_bytes \gset

select tests.authenticate_as_serve();
select throws_ok(format($$ select public.receive_hil_response('webhook', %L, '{}') $$, gen_random_uuid()), 'OR045', null,
    'an answer to an endpoint that does not exist raises OR045');
select throws_ok(format($$ select public.receive_hil_response('slack', %L, '{}') $$, :'webhook_id'), 'OR045', null,
    'so does one through an endpoint of another kind');
select throws_ok(format($$ select public.endpoint_signing_secret(%L, 'webhook') $$, :'email_id'), 'OR045', null,
    'an email endpoint has no signing secret (OR045)');
select throws_ok(format($$ select * from public.match_hil_response(%L) $$, gen_random_uuid()), 'OR046', null,
    'matching an answer that was never stored raises OR046');
select throws_ok(format($$ select public.receive_hil_response('webhook', %L, jsonb_build_object('text', repeat('x', %s))) $$,
        :'webhook_id', :max_bytes + 1), 'OR047', null,
    'a payload over hil_response_bytes raises OR047');
select throws_ok(format($$ select public.receive_hil_response('email', %L, '{}') $$, :'email_id'), 'OR047', null,
    'email answers come only through answer_by_link (OR047)');
select tests.clear_authentication();
select is((select count(*)::integer from public.hil_responses), 0, 'none of them stored anything');

select * from finish();
rollback;
