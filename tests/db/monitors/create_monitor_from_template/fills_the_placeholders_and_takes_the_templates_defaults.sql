begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
insert into public.monitor_templates (name, description, category, search_query, condition_description, schedule, notify_behavior)
values ('Product release (test)', 'When a product is released', 'product_release',
    'When will {product} be released?', 'A release date for {product} has been announced', '0 8 * * *', 'once')
returning id as template_id \gset

select tests.authenticate_as(:'owner_id');
select * from public.create_monitor_from_template(:'template_id', '{"product": "iPhone 18"}', p_timezone => 'Asia/Tokyo') \gset m_
select throws_ok(format($$ select public.create_monitor_from_template(%L, '{"item": "x"}') $$, :'template_id'),
    'OR032', 'no value for {product}', 'a missing placeholder is refused with OR032, naming it');
select tests.clear_authentication();

select is(:'m_search_query'::text, 'When will iPhone 18 be released?', 'the query is filled in');
select is(:'m_condition_description'::text, 'A release date for iPhone 18 has been announced', 'so is the condition');
select is(row(:'m_schedule', :'m_timezone', :'m_notify_behavior', :'m_template_id')::text,
    row('0 8 * * *', 'Asia/Tokyo', 'once', :'template_id')::text,
    'the schedule and behaviour are the template''s, the zone the caller''s');

select * from finish();
rollback;
