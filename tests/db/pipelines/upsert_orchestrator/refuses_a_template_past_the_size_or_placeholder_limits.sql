begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset

select throws_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', repeat('0123456789{{a}}', 1000))))),
    'OR001', 'stage "s" has a template of 1000 placeholders; at most 200',
    'a template of 1,000 placeholders is refused with OR001');
select throws_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', repeat('x', 100001))))),
    'OR001', 'stage "s" has a template of 100001 characters; at most 100000',
    'a template of over 100,000 characters is refused with OR001');
select lives_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', repeat('0123456789{{a}}', 200))))),
    'a template of 200 placeholders is taken');

select * from finish();
rollback;
