begin;
select plan(1);

select throws_ok(
    format('select public.record_llm_call(%L, %L, %L, %L)', gen_random_uuid(), 'gemini', 'gemini-2.5-flash', 'success'),
    'OR004', null, 'a call for a task that does not exist raises OR004'
);

select * from finish();
rollback;
