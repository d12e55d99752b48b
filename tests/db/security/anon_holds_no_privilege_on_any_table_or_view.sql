begin;
select plan(1);

-- Checked in the catalog as well as by reading: anon must not even hold a privilege that
-- row level security would filter to nothing today.
select is_empty(
    $$ select c.oid::regclass::text || ': ' || p.privilege
       from pg_catalog.pg_class as c
       join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       cross join (values ('select'), ('insert'), ('update'), ('delete')) as p (privilege)
       where n.nspname in ('public', 'orchable') and c.relkind in ('r', 'p', 'v', 'm')
           and (pg_catalog.has_table_privilege('anon', c.oid, p.privilege)
                or case when p.privilege <> 'delete'
                        then pg_catalog.has_any_column_privilege('anon', c.oid, p.privilege) else false end) $$,
    'anon holds no privilege on any table or view, nor on any of their columns'
);

select * from finish();
rollback;
