-- pgTAP for the test databases (never deployed).
create extension if not exists pgtap with schema extensions;
do $$
begin
    execute format('alter database %I set search_path = "$user", public, extensions',
        current_database());
end
$$;
