begin;
select plan(2);

select is_empty(
    $$select c.relname from pg_catalog.pg_class as c
      where c.oid in ('public.user_api_keys'::regclass, 'public.api_key_health'::regclass,
          'orchable.key_encryption_keys'::regclass)
        and obj_description(c.oid, 'pg_class') is null$$,
    'every API key table has a comment'
);
select is_empty(
    $$select a.attrelid::regclass::text || '.' || a.attname from pg_catalog.pg_attribute as a
      where a.attrelid in ('public.user_api_keys'::regclass, 'public.api_key_health'::regclass,
          'orchable.key_encryption_keys'::regclass)
        and a.attnum > 0 and not a.attisdropped
        and col_description(a.attrelid, a.attnum) is null$$,
    'every column of them has a comment'
);

select * from finish();
rollback;
