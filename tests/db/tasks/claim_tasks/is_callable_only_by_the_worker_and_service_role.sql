begin;
select plan(4);

select tests.create_user('owner@example.test') as owner_id \gset
create temporary table outcomes (caller text, sqlstate text);
grant insert on outcomes to orchable_worker;

select tests.authenticate_as(:'owner_id');
select throws_ok('select * from public.claim_tasks(''w1'', 1)', '42501', null, 'authenticated cannot claim');
select tests.authenticate_as_anon();
select throws_ok('select * from public.claim_tasks(''w1'', 1)', '42501', null, 'anon cannot claim');

-- orchable_worker has no pgTAP: record what happens and check it afterwards.
select tests.authenticate_as_worker();
do $$
begin
    perform public.claim_tasks('w1', 1);
    insert into pg_temp.outcomes values ('orchable_worker', '00000');
exception when others then
    insert into pg_temp.outcomes values ('orchable_worker', sqlstate);
end
$$;
select tests.clear_authentication();
select is((select sqlstate from outcomes where caller = 'orchable_worker'), '00000', 'orchable_worker can claim');

select tests.authenticate_as_service_role();
select lives_ok('select * from public.claim_tasks(''w1'', 1)', 'service_role can claim');

select * from finish();
rollback;
