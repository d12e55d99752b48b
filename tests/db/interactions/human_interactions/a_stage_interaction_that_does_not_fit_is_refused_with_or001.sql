begin;
select plan(8);

select tests.create_user('owner@example.test') as owner_id \gset
create function pg_temp.define(p_interaction jsonb) returns void language sql as $$
    select from public.upsert_orchestrator(jsonb_build_object(
        'name', 'asks', 'owner_id', (select id from auth.users where email = 'owner@example.test'), 'entry', 'draft',
        'stages', jsonb_build_array(jsonb_build_object('key', 'draft', 'template', 'Draft {{topic}}', 'interaction', p_interaction))
    ))
$$;

select throws_ok($$ select pg_temp.define('{"type": "vote"}') $$, 'OR001', null, 'an unknown type');
select throws_ok($$ select pg_temp.define('{"type": "selection"}') $$, 'OR001', null, 'a selection without options');
select throws_ok($$ select pg_temp.define('{"type": "input"}') $$, 'OR001', null, 'an input without a schema');
select throws_ok($$ select pg_temp.define('{"type": "input", "input_schema": {"type": "object", "oneOf": []}}') $$,
    'OR001', null, 'an input schema with a keyword orchable cannot check');
select throws_ok($$ select pg_temp.define('{"timeout": "soon"}') $$, 'OR001', null, 'a timeout that is not a duration');
select throws_ok($$ select pg_temp.define('{"type": "selection", "options": ["a"], "timeout": "1 hour", "on_timeout": "approve"}') $$,
    'OR001', null, 'approving a selection on timeout without a default choice');
select throws_ok($$ select pg_temp.define('{"timeout": "1 hour", "on_timeout": "escalate"}') $$,
    'OR001', null, 'escalating with no escalation steps');
select lives_ok($$ select pg_temp.define('{"type": "selection", "options": ["a", {"value": "b", "label": "B"}],
    "timeout": "1 hour", "on_timeout": "approve", "default": "b", "reminders": ["10 minutes"],
    "escalation": [{"after": "30 minutes", "endpoints": ["ops"]}]}') $$, 'a whole interaction is taken');

select * from finish();
rollback;
