begin;
select plan(5);

select tests.create_user('owner@example.test') as owner_id \gset

-- A worker never fetches a reference: one it would have to fetch is refused when saved.
select throws_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', 'hi',
            'output_schema', '{"$ref": "http://127.0.0.1:9/internal/admin?action=x"}'::jsonb)))),
    'OR001',
    'stage "s" has a schema that refers to "http://127.0.0.1:9/internal/admin?action=x"; only local references (#/...) are allowed',
    'an output_schema whose $ref is a URL is refused with OR001 naming it');
select throws_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', 'hi',
            'output_schema', '{"type": "object", "properties": {"a": {"items": [{"$ref": "other.json#/x"}]}}}'::jsonb)))),
    'OR001', null, 'so is a relative reference deep inside the schema');
select throws_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', 'hi',
            'input_schema', '{"$dynamicRef": "https://example.com/meta"}'::jsonb)))),
    'OR001', null, 'and a $dynamicRef in an input_schema');
select lives_ok(
    format('select public.upsert_orchestrator(%L)', jsonb_build_object('owner_id', :'owner_id', 'name', 'p', 'entry', 's',
        'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', 'hi',
            'output_schema', '{"$defs": {"n": {"type": "integer"}}, "type": "object",
                "properties": {"n": {"$ref": "#/$defs/n"}, "$ref": {"type": "string"}}}'::jsonb)))),
    'a local reference, and a property that happens to be named $ref, are taken');
select is((select count(*)::integer from public.orchestrators where owner_id = :'owner_id'), 1,
    'only the taken definition was stored');

select * from finish();
rollback;
