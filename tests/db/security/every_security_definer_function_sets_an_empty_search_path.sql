begin;
select plan(4);

select cmp_ok(
    (select count(*)::integer from pg_catalog.pg_proc as p
     join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
     where n.nspname in ('public', 'orchable') and p.prosecdef),
    '>=', 13,
    'the catalog query finds the SECURITY DEFINER functions'
);
select is_empty(
    $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc as p
       join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
       where n.nspname in ('public', 'orchable') and p.prosecdef
           and not coalesce(p.proconfig @> array['search_path=""'], false) $$,
    'every SECURITY DEFINER function in public and orchable sets search_path = '''''
);
select is_empty(
    $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc as p
       join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
       where n.nspname in ('public', 'orchable')
           and not exists (select from pg_catalog.pg_depend as d
                           where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
           and not coalesce(p.proconfig @> array['search_path=""'], false) $$,
    'every other function in public and orchable sets search_path = '''' too'
);
select is_empty(
    $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc as p
       join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
       where n.nspname in ('public', 'orchable') and p.prosecdef
           and (pg_catalog.has_function_privilege('anon', p.oid, 'execute')
                or exists (select from pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) as a
                           where a.grantee = 0 and a.privilege_type = 'EXECUTE')) $$,
    'no SECURITY DEFINER function is executable by public or anon'
);

select * from finish();
rollback;
