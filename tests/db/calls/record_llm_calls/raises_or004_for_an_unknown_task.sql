begin;
select plan(1);

select tests.authenticate_as_worker();
select throws_ok(
    format('select public.record_llm_calls(%L)', jsonb_build_array(
        jsonb_build_object('task_id', gen_random_uuid(), 'provider', 'gemini', 'model', 'm', 'outcome', 'success'))),
    'OR004', null, 'a call of an unknown task raises OR004');
select tests.clear_authentication();

select * from finish();
rollback;
