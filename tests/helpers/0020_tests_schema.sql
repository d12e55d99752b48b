-- Helpers the pgTAP files share (never deployed). A test acts as a user the way PostgREST
-- does: inside its transaction, `set local role` and `set local request.jwt.claims`.
create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role, orchable_worker;
-- pgTAP lives in extensions; the worker role needs it to run assertions in its own tests.
grant usage on schema extensions to orchable_worker;

create or replace function tests.create_user(p_email text)
returns uuid
language sql
as $$
    insert into auth.users (id, email, role, aud, raw_app_meta_data, raw_user_meta_data)
    values (gen_random_uuid(), p_email, 'authenticated', 'authenticated', '{}', '{}')
    returning id
$$;

create or replace function tests.authenticate_as(p_user_id uuid)
returns void
language sql
as $$
    select set_config('role', 'authenticated', true),
        set_config('request.jwt.claims', jsonb_build_object(
            'sub', p_user_id, 'role', 'authenticated', 'aud', 'authenticated')::text, true)
$$;

create or replace function tests.authenticate_as_anon()
returns void
language sql
as $$
    select set_config('role', 'anon', true),
        set_config('request.jwt.claims', '{"role": "anon"}', true)
$$;

create or replace function tests.authenticate_as_service_role()
returns void
language sql
as $$
    select set_config('role', 'service_role', true),
        set_config('request.jwt.claims', '{"role": "service_role"}', true)
$$;

create or replace function tests.authenticate_as_worker()
returns void
language sql
as $$
    select set_config('role', 'orchable_worker', true),
        set_config('request.jwt.claims', '', true)
$$;

create or replace function tests.clear_authentication()
returns void
language sql
as $$
    select set_config('role', 'none', true), set_config('request.jwt.claims', '', true)
$$;
