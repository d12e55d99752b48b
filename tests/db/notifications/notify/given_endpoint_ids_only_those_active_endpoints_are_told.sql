begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.add_webhook(:'owner_id', 'a') as a_id \gset
select tests.add_webhook(:'owner_id', 'b') as b_id \gset
select tests.add_webhook(:'owner_id', 'off') as off_id \gset
update public.notification_endpoints set is_active = false where id = :'off_id';

select orchable._notify(:'owner_id', 'monitor.triggered', 'all', '{}', null, null) as all_id \gset
select is((select array_agg(endpoint_id order by endpoint_id) from public.notification_deliveries where notification_id = :'all_id'),
    (select array_agg(id order by id) from public.notification_endpoints where id in (:'a_id', :'b_id')),
    'without endpoint ids every active endpoint is told');

select orchable._notify(:'owner_id', 'monitor.triggered', 'some', '{}', null, null, array[:'b_id', :'off_id']::uuid[]) as some_id \gset
select is((select array_agg(endpoint_id) from public.notification_deliveries where notification_id = :'some_id'),
    array[:'b_id']::uuid[], 'with endpoint ids only those of them that are active are told');

select orchable._notify(:'owner_id', 'interaction.requested', 'asked', jsonb_build_object('interaction_id', :'a_id'),
    null, null, array[]::uuid[]) as none_id \gset
select is((select (n.interaction_id, count(d.id))::text from public.notifications as n
        left join public.notification_deliveries as d on d.notification_id = n.id where n.id = :'none_id' group by n.id),
    format('(%s,0)', :'a_id'), 'an interaction''s notification carries its interaction''s id; an empty list tells no one');
select throws_ok(format($$ select orchable._notify(%L, 'interaction.requested', 'x', '{}', null, null) $$, :'owner_id'),
    '23514', null, 'an interaction''s notification without an interaction id is refused');

select * from finish();
rollback;
