begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as first_id \gset
select count(*) as templates_before from public.prompt_templates where orchestrator_id = :'first_id' \gset
select tests.seed_course_pipeline(:'owner_id') as second_id \gset

select is(:'second_id'::uuid, :'first_id'::uuid, 'the same definition twice gives the same orchestrator id');
select is(
    (select count(*)::integer from public.orchestrators where owner_id = :'owner_id'), 1,
    'no second orchestrator is created'
);
select is(
    (select count(*) from public.prompt_templates where orchestrator_id = :'first_id'), :'templates_before'::bigint,
    'no new template version is created'
);
select is(
    (select array_agg(version order by stage_key) from public.prompt_templates where orchestrator_id = :'first_id' and is_active),
    array[1, 1, 1],
    'every stage stays at version 1'
);

select * from finish();
rollback;
