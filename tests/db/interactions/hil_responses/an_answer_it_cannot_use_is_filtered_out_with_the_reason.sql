begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.add_webhook(:'owner_id', 'crm') as webhook_id \gset
select tests.add_webhook(:'owner_id', 'erp') as erp_id \gset
select * from tests.ask(:'owner_id', '{"type": "selection", "options": ["red", "blue"], "channels": ["webhook"],
    "endpoints": ["crm"], "timeout": "1 hour"}') \gset
select * from tests.ask(:'other_id', '{"type": "approval", "timeout": "1 hour"}') \gset o_

create temporary table reasons (label text, response_id uuid) on commit drop;
grant all on reasons to orchable_serve;
select tests.authenticate_as_serve();
insert into reasons values
('unknown', public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', gen_random_uuid(), 'webhook:x', '{"choice": "red"}')),
('other owner''s', public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'o_interaction_id', 'webhook:x', '{"decision": "approve"}')),
('not asked', public.receive_hil_response('webhook', :'erp_id', '{}', '{}', :'interaction_id', 'webhook:x', '{"choice": "red"}')),
('no interaction', public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', null, 'webhook:x', '{"choice": "red"}')),
('does not fit', public.receive_hil_response('webhook', :'webhook_id', '{}', '{}', :'interaction_id', 'webhook:x', '{"choice": "green"}'));
select is((select (m.status, m.reason)::text from reasons as r, public.match_hil_response(r.response_id) as m where r.label = 'unknown'),
    '(filtered_out,"unknown interaction")', 'an interaction that does not exist');
select is((select (m.status, m.reason)::text from reasons as r, public.match_hil_response(r.response_id) as m where r.label = 'other owner''s'),
    '(filtered_out,"unknown interaction")', 'another owner''s interaction, told apart from none');
select is((select (m.status, m.reason)::text from reasons as r, public.match_hil_response(r.response_id) as m where r.label = 'not asked'),
    '(filtered_out,"the interaction did not ask this endpoint")', 'an endpoint the interaction did not ask');
select is((select (m.status, m.reason)::text from reasons as r, public.match_hil_response(r.response_id) as m where r.label = 'no interaction'),
    '(filtered_out,"it names no interaction")', 'an answer naming no interaction');
select is((select m.status || ': ' || left(m.reason, 23) from reasons as r, public.match_hil_response(r.response_id) as m where r.label = 'does not fit'),
    'filtered_out: the answer does not fit', 'an answer that does not fit the question (not one of the options)');
select tests.clear_authentication();

select * from finish();
rollback;
