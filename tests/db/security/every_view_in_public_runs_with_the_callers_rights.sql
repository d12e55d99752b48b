begin;
select plan(2);

-- A view without security_invoker runs as its owner (postgres, BYPASSRLS) and so shows
-- every user's rows (splinter 0010 security_definer_view).
select cmp_ok(
    (select count(*)::integer from pg_catalog.pg_class as c
     join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
     where n.nspname = 'public' and c.relkind = 'v'),
    '>=', 2,
    'the catalog query finds the views of public'
);
select is_empty(
    $$ select c.oid::regclass::text
       from pg_catalog.pg_class as c
       join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
       where n.nspname in ('public', 'orchable') and c.relkind in ('v', 'm')
           and not coalesce(c.reloptions @> array['security_invoker=true'], false) $$,
    'every view in public and orchable is security_invoker (no materialized view, which RLS cannot cover)'
);

select * from finish();
rollback;
