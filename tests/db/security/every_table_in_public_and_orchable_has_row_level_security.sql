begin;
select plan(2);

-- Every table, now and later: a table added without RLS makes this fail by name.
select cmp_ok(
    (select count(*)::integer from pg_catalog.pg_class as c
     join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where n.nspname in ('public', 'orchable') and c.relkind in ('r', 'p')),
    '>=', 8,
    'the catalog query finds the tables of public and orchable'
);
select is_empty(
    $$ select c.oid::regclass::text
       from pg_catalog.pg_class as c
       join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       where n.nspname in ('public', 'orchable') and c.relkind in ('r', 'p')
           and not c.relrowsecurity $$,
    'every table in public and orchable has row level security enabled'
);

select * from finish();
rollback;
