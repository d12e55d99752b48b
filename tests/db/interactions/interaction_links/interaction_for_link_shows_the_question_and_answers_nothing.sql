begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_email(:'owner_id', 'ann@example.test') as email_id \gset
select * from tests.ask(:'owner_id',
    '{"type": "approval", "message": "Publish this draft?", "channels": ["email"], "timeout": "2 hours"}',
    '{"text": "a draft"}') \gset
select tests.link_token(:'interaction_id', 'ann@example.test') as token \gset

select tests.authenticate_as_serve();
select is((select (interaction_id, interaction_type, status, request_data ->> 'message', request_data -> 'output', recipient)::text
        from public.interaction_for_link(:'token')),
    format('(%s,approval,pending,"Publish this draft?","{""text"": ""a draft""}",ann@example.test)', :'interaction_id'),
    'the link shows its question, the output it is about, its state and whom it was sent to');
select is((select count(*)::integer from public.interaction_for_link(:'token')), 1, 'as often as it is fetched');
select throws_ok($$ select * from public.interaction_for_link('not-a-token-anyone-was-sent') $$, 'OR044', null,
    'an unknown token raises OR044');
select tests.clear_authentication();

select results_eq(
    format($$ select status, (select count(*) from public.interaction_answers where interaction_id = %L),
        (select count(*) from public.hil_responses) from public.human_interactions where id = %L $$,
        :'interaction_id', :'interaction_id'),
    $$ values ('pending', 0::bigint, 0::bigint) $$,
    'fetching it answered nothing and stored nothing');

update public.interaction_links set expires_at = now() - interval '1 second', created_at = now() - interval '1 hour'
where interaction_id = :'interaction_id';
select tests.authenticate_as_serve();
select throws_ok(format($$ select * from public.interaction_for_link(%L) $$, :'token'), 'OR044', null,
    'an expired link raises the same OR044, telling nothing more');
select tests.clear_authentication();
select is((select status from public.ai_tasks where id = :'task_id'), 'generated', 'the task still waits');

select * from finish();
rollback;
