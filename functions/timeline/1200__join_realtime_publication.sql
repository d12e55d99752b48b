-- The tables a client watches join Supabase Realtime's publication (Postgres Changes),
-- where the database has one and the caller may change it: on Supabase the postgres role
-- owns supabase_realtime; elsewhere (no publication, or another owner) nothing is created
-- or changed, and a notice says why. Idempotent: a table already published is skipped,
-- and one that does not exist yet (human_interactions before its migration) too.
create function orchable._join_realtime_publication()
returns text[]
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_publication pg_catalog.pg_publication;
    v_table text;
    v_added text [] := '{}';
begin
    select * into v_publication from pg_catalog.pg_publication where pubname = 'supabase_realtime';
    if not found or v_publication.puballtables then
        return v_added;
    end if;
    if not pg_catalog.pg_has_role(current_user, v_publication.pubowner, 'USAGE') then
        raise notice 'supabase_realtime belongs to %, not %: its tables were left as they are',
            v_publication.pubowner::regrole, current_user
            using hint = 'as its owner: select orchable._join_realtime_publication()';
        return v_added;
    end if;
    foreach v_table in array array['public.task_batches', 'public.ai_tasks', 'public.human_interactions'] loop
        if pg_catalog.to_regclass(v_table) is not null and not exists (
            select from pg_catalog.pg_publication_tables as p
            where p.pubname = 'supabase_realtime' and format('%I.%I', p.schemaname, p.tablename) = v_table
        ) then
            execute format('alter publication supabase_realtime add table %s', v_table);
            v_added := v_added || v_table;
        end if;
    end loop;
    return v_added;
end
$$;

comment on function orchable._join_realtime_publication() is
'Adds task_batches, ai_tasks and human_interactions to the supabase_realtime publication where it exists and the caller owns it; returns the tables it added.';
