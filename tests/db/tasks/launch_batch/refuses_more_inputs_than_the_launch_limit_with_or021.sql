begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
update orchable.limits set value = 3 where name = 'inputs_per_launch';

select tests.authenticate_as(:'owner_id');
select throws_ok(
    format($$ select public.launch_batch(%L, '[{"question": "a"}, {"question": "b"}, {"question": "c"}, {"question": "d"}]') $$,
        :'orchestrator_id'),
    'OR021', 'p_inputs has 4 elements; a launch takes at most 3',
    'a launch of more inputs than inputs_per_launch is refused with OR021');
select lives_ok(
    format($$ select public.launch_batch(%L, '[{"question": "a"}, {"question": "b"}, {"question": "c"}]') $$,
        :'orchestrator_id'),
    'a launch of as many inputs as the limit is taken');
select tests.clear_authentication();

select * from finish();
rollback;
