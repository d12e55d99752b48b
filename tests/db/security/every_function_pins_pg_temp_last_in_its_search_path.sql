begin;
select plan(2);

-- An empty search_path still searches pg_temp first for relations and types: a caller's
-- temporary `text` would shadow the real one inside the function. pg_catalog, pg_temp
-- puts it last (PostgreSQL never searches it for functions and operators).
select cmp_ok(
    (select count(*)::integer from pg_catalog.pg_proc as p
     join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
     where n.nspname in ('public', 'orchable', 'orchable_rpc')),
    '>=', 60,
    'the catalog query finds orchable''s functions'
);
select is_empty(
    $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc as p
       join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
       where n.nspname in ('public', 'orchable', 'orchable_rpc')
           and not exists (select from pg_catalog.pg_depend as d
                           where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
           and not coalesce(p.proconfig @> array['search_path=pg_catalog, pg_temp'], false) $$,
    'every function in public, orchable and orchable_rpc sets search_path = pg_catalog, pg_temp'
);

select * from finish();
rollback;
