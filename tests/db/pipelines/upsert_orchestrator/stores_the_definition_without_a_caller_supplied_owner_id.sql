begin;
select plan(2);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset

-- B names A as the owner: the pipeline is B's, and its stored definition names nobody.
select tests.authenticate_as(:'user_b');
select (public.upsert_orchestrator(jsonb_build_object('owner_id', :'user_a', 'name', 'p', 'entry', 's',
    'stages', jsonb_build_array(jsonb_build_object('key', 's', 'template', 'hi'))))).id as orchestrator_id \gset
select tests.clear_authentication();

select is((select owner_id from public.orchestrators where id = :'orchestrator_id'), :'user_b'::uuid,
    'the pipeline belongs to the signed-in user');
select ok(not (select definition ? 'owner_id' from public.orchestrators where id = :'orchestrator_id'),
    'its stored definition carries no owner_id');

select * from finish();
rollback;
