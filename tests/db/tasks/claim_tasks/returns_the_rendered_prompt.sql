begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select (public.upsert_orchestrator(jsonb_build_object(
    'name', 'render', 'owner_id', :'owner_id', 'entry', 'write',
    'stages', jsonb_build_array(jsonb_build_object('key', 'write', 'template',
        'About {{topic.name}} for {{ audience.0 }} then {{items.1.text}}; level {{level}}; tags {{tags}}; meta {{meta}}; flag {{flag}}; none {{nothing}}.'))
))).id as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{
    "topic": {"name": "cats"}, "audience": ["kids", "adults"], "items": [{"text": "one"}, {"text": "two"}],
    "level": 3, "tags": ["a", "b"], "meta": {"k": "v"}, "flag": true, "nothing": null
}]') \gset

select tests.authenticate_as_worker();
select prompt, input_data from public.claim_tasks('w1', 1) \gset
select tests.clear_authentication();

select is(
    :'prompt'::text,
    'About cats for kids then two; level 3; tags ["a", "b"]; meta {"k": "v"}; flag true; none null.',
    'nested paths and array indexes are rendered; strings as they are, other values as JSON text'
);
select is(:'input_data'::jsonb ->> 'level', '3', 'the input comes with the prompt');

select is(
    (select r.rendered from orchable._parse_template('no placeholders here') as p
        cross join lateral orchable._render_template(p.parts, p.names, '{}', 100) as r),
    'no placeholders here', 'a template without placeholders renders as it is'
);

select * from finish();
rollback;
