-- The role `orchable serve` acts as: it may store and match incoming answers, read what
-- an answer link shows, and call trigger_webhook; nothing else (no table privileges).
-- A deployment grants it to the server's login:
--   create role orchable_serve_login login password '...';
--   grant orchable_serve to orchable_serve_login;
do $$
begin
    if not exists (select from pg_catalog.pg_roles where rolname = 'orchable_serve') then
        create role orchable_serve nologin;
    end if;
end
$$;

grant usage on schema public to orchable_serve;
