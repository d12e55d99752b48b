begin;
select plan(6);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select tests.authenticate_as(:'owner_id');

-- Python refuses to read an integer of over 4,300 digits, and JSON nested 3,000 deep
-- overflows a decoder's stack: a worker must never claim either.
select throws_ok(
    format($$ select public.launch_batch(%L, ('[{"question": "q", "n": ' || repeat('9', 5000) || '}]')::jsonb) $$,
        :'orchestrator_id'),
    'OR021', 'p_inputs holds a number of more than 1000 digits',
    'an input holding an integer of 5,000 digits is refused with OR021');
select throws_ok(
    format($$ select public.launch_batch(%L, '[{"question": "q", "n": 1e1001}]') $$, :'orchestrator_id'),
    'OR021', null, 'so is a number written with a large exponent (its text has over 1,000 digits)');
select throws_ok(
    format($$ select public.launch_batch(%L, ('[{"question": "q", "deep": ' || repeat('[', 3000) || repeat(']', 3000) || '}]')::jsonb) $$,
        :'orchestrator_id'),
    'OR021', 'p_inputs is nested more than 64 levels deep',
    'an input nested 3,000 deep is refused with OR021');
select throws_ok(
    format($$ select public.launch_batch(%L, '[{"question": "q"}]', p_config => ('{"ai_settings": {"x": ' || repeat('{"a":', 80) || '1' || repeat('}', 80) || '}}')::jsonb) $$,
        :'orchestrator_id'),
    'OR021', 'p_config is nested more than 64 levels deep',
    'a config nested past the limit is refused with OR021');
select lives_ok(
    format($$ select public.launch_batch(%L, ('[{"question": "q", "n": ' || repeat('9', 1000) || ', "deep": ' || repeat('[', 62) || repeat(']', 62) || '}]')::jsonb) $$,
        :'orchestrator_id'),
    'a number of 1,000 digits and nesting up to the limit are taken');
select tests.clear_authentication();

select is((select count(*)::integer from public.task_batches where owner_id = :'owner_id'), 1,
    'the refused launches created no batch');

select * from finish();
rollback;
