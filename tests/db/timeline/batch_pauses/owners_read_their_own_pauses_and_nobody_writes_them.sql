begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('other@example.test') as other_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}]') \gset
select tests.authenticate_as(:'owner_id');
select public.pause_batch(:'batch_id');
select tests.clear_authentication();

select tests.authenticate_as(:'owner_id');
select is((select count(*)::integer from public.batch_pauses), 1, 'the owner reads their pause');
select throws_ok(
    format($$insert into public.batch_pauses (owner_id, batch_id, reason) values (%L, %L, 'person')$$, :'owner_id', :'batch_id'),
    '42501', null, 'the owner cannot write a pause'
);
select throws_ok('update public.batch_pauses set status = ''resumed''', '42501', null, 'nor change one');
select tests.clear_authentication();

select tests.authenticate_as(:'other_id');
select is((select count(*)::integer from public.batch_pauses), 0, 'another user reads none');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok('select count(*) from public.batch_pauses', '42501', null, 'anon reads none');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is((select count(*)::integer from public.batch_pauses where batch_id = :'batch_id'), 1, 'service_role reads it');
select tests.clear_authentication();

select * from finish();
rollback;
