begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('manager@example.test') as manager_id \gset
select * from tests.ask(:'owner_id', jsonb_build_object('type', 'approval', 'timeout', '1 hour', 'on_timeout', 'escalate',
    'escalation', jsonb_build_array(jsonb_build_object('after', '5 hours', 'responders', jsonb_build_array(:'manager_id'))))) \gset

select public.tick(now() + interval '61 minutes');
select is((select (status, escalation_level, on_timeout) from public.human_interactions where id = :'interaction_id')::text,
    '(pending,1,reject)', 'at the timeout the steps are taken early and the next timeout rejects');
select ok((select :'manager_id'::uuid = any(responder_ids) from public.human_interactions where id = :'interaction_id'),
    'the manager may answer');
select public.tick(now() + interval '119 minutes');
select is((select status from public.human_interactions where id = :'interaction_id'), 'pending', 'a new round of an hour');
select public.tick(now() + interval '122 minutes');
select is((select outcome from public.human_interactions where id = :'interaction_id'), 'timeout_rejected',
    'after which it rejects');

select * from finish();
rollback;
