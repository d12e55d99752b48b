begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.authenticate_as(:'owner_id');

select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'mine', 'owner_id', :'other_id', 'entry', 'answer',
    'stages', jsonb_build_array(jsonb_build_object('key', 'answer', 'template', 'Answer {{question}}'))
)) \gset

select is(
    (select owner_id from public.orchestrators where id = :'orchestrator_id'), :'owner_id'::uuid,
    'the pipeline belongs to the signed-in user, whatever owner_id says'
);
select is(
    (select owner_id from public.prompt_templates where id = :'orchestrator_id' || '_answer_1'), :'owner_id'::uuid,
    'its templates belong to the signed-in user'
);
select tests.clear_authentication();
select is_empty(
    format('select id from public.orchestrators where owner_id = %L', :'other_id'),
    'nothing is created for the user named in owner_id'
);

select * from finish();
rollback;
