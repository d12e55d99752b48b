begin;
select plan(3);

-- PostgREST's OpenAPI shows these comments; the diagnostics list what is missing.
select is_empty(
    $$ select c.oid::regclass::text
       from pg_catalog.pg_class as c
       join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm')
           and pg_catalog.obj_description(c.oid, 'pg_class') is null
       order by 1 $$,
    'every table and view in public has a comment'
);
-- Columns of tables; a view's columns are its tables' columns.
select is_empty(
    $$ select c.oid::regclass::text || '.' || a.attname
       from pg_catalog.pg_class as c
       join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       join pg_catalog.pg_attribute as a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       where n.nspname = 'public' and c.relkind in ('r', 'p')
           and pg_catalog.col_description(c.oid, a.attnum) is null
       order by 1 $$,
    'every column of every table in public has a comment'
);
select is_empty(
    $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc as p
       join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
       where n.nspname = 'public'
           and not exists (select from pg_catalog.pg_depend as d
                           where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
           and pg_catalog.obj_description(p.oid, 'pg_proc') is null
       order by 1 $$,
    'every function in public has a comment'
);

select * from finish();
rollback;
