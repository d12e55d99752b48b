begin;
select plan(4);

select ok(
    not has_schema_privilege('anon', 'orchable', 'usage')
    and not has_schema_privilege('authenticated', 'orchable', 'usage')
    and not has_schema_privilege('service_role', 'orchable', 'usage')
    and not has_schema_privilege('orchable_worker', 'orchable', 'usage'),
    'no API role nor the worker role has usage on the orchable schema'
);
select is_empty(
    $$ select c.oid::regclass::text || ' to ' || r.rolname
       from pg_catalog.pg_class as c
       join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       cross join (values ('anon'), ('authenticated'), ('service_role'), ('orchable_worker')) as r (rolname)
       where n.nspname = 'orchable' and c.relkind in ('r', 'p', 'v', 'm')
           and pg_catalog.has_table_privilege(r.rolname, c.oid, 'select, insert, update, delete, truncate, references, trigger') $$,
    'no API role nor the worker role holds a privilege on a table of orchable'
);
select is_empty(
    $$ select p.oid::regprocedure::text || ' to ' || r.rolname
       from pg_catalog.pg_proc as p
       join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
       cross join (values ('public'), ('anon'), ('authenticated'), ('service_role'), ('orchable_worker')) as r (rolname)
       where n.nspname = 'orchable'
           and exists (select from pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) as a
                       where a.privilege_type = 'EXECUTE'
                           and a.grantee = case when r.rolname = 'public' then 0 else (select oid from pg_catalog.pg_roles where rolname = r.rolname) end) $$,
    'no function of orchable is granted to public, an API role or the worker role'
);

select tests.authenticate_as(tests.create_user('a@example.test'));
select throws_ok(
    $$ select count(*) from orchable.task_trees $$,
    '42501', null, 'a signed-in user reading orchable.task_trees is refused with 42501');
select tests.clear_authentication();

select * from finish();
rollback;
