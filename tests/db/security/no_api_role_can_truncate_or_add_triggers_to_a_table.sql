begin;
select plan(1);

-- Row level security does not cover these: a table is safe only if they are not granted.
select is_empty(
    $$ select c.oid::regclass::text || ' to ' || r.rolname || ': ' || p.privilege
       from pg_catalog.pg_class as c
       join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       cross join (values ('anon'), ('authenticated'), ('service_role'), ('orchable_worker')) as r (rolname)
       cross join (values ('truncate'), ('trigger'), ('references')) as p (privilege)
       where n.nspname in ('public', 'orchable') and c.relkind in ('r', 'p', 'v', 'm')
           and pg_catalog.has_table_privilege(r.rolname, c.oid, p.privilege) $$,
    'no API role nor the worker role can truncate, add triggers to or reference a table or view'
);

select * from finish();
rollback;
