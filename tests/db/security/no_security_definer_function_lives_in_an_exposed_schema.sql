begin;
select plan(4);

-- Supabase's Security Advisor (splinter 0028, 0029) flags a SECURITY DEFINER function in an
-- exposed schema that anon or authenticated may execute; orchable keeps none there at all.
select is_empty(
    $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc as p
       where p.pronamespace = 'public'::regnamespace and p.prosecdef $$,
    'no function in public is SECURITY DEFINER'
);
select cmp_ok(
    (select count(*)::integer from pg_catalog.pg_proc as p
     where p.pronamespace = 'orchable_rpc'::regnamespace and p.prosecdef),
    '>=', 25,
    'the RPCs'' implementations in orchable_rpc are SECURITY DEFINER'
);
select is_empty(
    $$ select p.oid::regprocedure::text
       from pg_catalog.pg_proc as p
       join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
       where n.nspname in ('orchable', 'orchable_rpc') and p.prosecdef
           -- trigger_webhook is for other systems, holding an access key it checks first.
           and p.oid <> 'orchable_rpc.trigger_webhook(text, jsonb)'::regprocedure
           and (pg_catalog.has_function_privilege('anon', p.oid, 'execute')
                or exists (select from pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) as a
                           where a.grantee = 0 and a.privilege_type = 'EXECUTE')) $$,
    'no SECURITY DEFINER function but trigger_webhook is executable by public or anon'
);
-- Each implementation is executable by exactly the roles that may call its namesake in public.
select is_empty(
    $$ select i.oid::regprocedure::text || ' to ' || r.rolname
       from pg_catalog.pg_proc as i
       join pg_catalog.pg_proc as w
           on w.pronamespace = 'public'::regnamespace and w.proname = i.proname and w.proargtypes = i.proargtypes
       cross join (values ('anon'), ('authenticated'), ('service_role'), ('orchable_worker')) as r (rolname)
       where i.pronamespace = 'orchable_rpc'::regnamespace
           and pg_catalog.has_function_privilege(r.rolname, i.oid, 'execute')
               <> pg_catalog.has_function_privilege(r.rolname, w.oid, 'execute') $$,
    'each implementation in orchable_rpc is granted to the same roles as its RPC in public'
);

select * from finish();
rollback;
