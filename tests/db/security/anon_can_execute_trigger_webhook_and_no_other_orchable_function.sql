begin;
select plan(4);

-- The functions the migration created (not an extension's), in public and orchable.
create temporary view orchable_functions as
select p.oid, p.oid::regprocedure::text as signature, p.proacl, p.proowner
from pg_catalog.pg_proc as p
join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
where n.nspname in ('public', 'orchable', 'orchable_rpc')
    and not exists (select from pg_catalog.pg_depend as d
                    where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e');

select cmp_ok(
    (select count(*)::integer from orchable_functions where signature not like 'orchable.%'),
    '>=', 13,
    'the catalog query finds the RPCs in public'
);
select set_eq(
    $$ select signature from orchable_functions
       where pg_catalog.has_function_privilege('anon', oid, 'execute') $$,
    array['trigger_webhook(text,jsonb)', 'orchable_rpc.trigger_webhook(text,jsonb)'],
    'anon can execute trigger_webhook (another system holding an access key) and no other function of orchable'
);
select is_empty(
    $$ select signature from orchable_functions
       where exists (select from pg_catalog.aclexplode(coalesce(proacl, pg_catalog.acldefault('f', proowner))) as a
                     where a.grantee = 0 and a.privilege_type = 'EXECUTE') $$,
    'no function of orchable keeps PostgreSQL''s default execute for public'
);

-- And in practice, through the PostgREST emulation.
select tests.authenticate_as_anon();
select throws_ok(
    $$ select public.launch_batch(gen_random_uuid(), '[{}]') $$,
    '42501',
    null,
    'anon calling an RPC is refused with 42501'
);
select tests.clear_authentication();

select * from finish();
rollback;
