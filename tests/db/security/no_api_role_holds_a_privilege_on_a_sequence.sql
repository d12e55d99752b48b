begin;
select plan(2);

-- Identity sequences fill themselves as the table's owner; a role that could call nextval
-- or setval on one could burn or exhaust ids (task_events logs every transition).
select cmp_ok(
    (select count(*)::integer from pg_catalog.pg_class as c
     join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where n.nspname in ('public', 'orchable') and c.relkind = 'S'),
    '>=', 1,
    'the catalog query finds the sequences of public and orchable'
);
select is_empty(
    $$ select c.oid::regclass::text || ' to ' || r.rolname || ': ' || p.privilege
       from pg_catalog.pg_class as c
       join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       cross join (values ('anon'), ('authenticated'), ('service_role'), ('orchable_worker')) as r (rolname)
       cross join (values ('usage'), ('select'), ('update')) as p (privilege)
       where n.nspname in ('public', 'orchable') and c.relkind = 'S'
           and pg_catalog.has_sequence_privilege(r.rolname, c.oid, p.privilege) $$,
    'no API role nor the worker role holds usage, select or update on a sequence'
);

select * from finish();
rollback;
