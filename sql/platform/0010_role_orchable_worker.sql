-- The role workers act as. A deployment grants it to the worker's login:
--   create role orchable_worker_login login password '...';
--   grant orchable_worker to orchable_worker_login;
do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'orchable_worker') then
        create role orchable_worker nologin;
    end if;
end
$$;

grant usage on schema public to orchable_worker;
