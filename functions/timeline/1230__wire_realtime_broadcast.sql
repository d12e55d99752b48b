-- Decided once, at deploy: where realtime.send exists, task_events gets the broadcast
-- trigger, and where realtime.messages exists, a policy lets a signed-in user receive the
-- private topics of their own batches. Elsewhere nothing is created, so a statement
-- costs nothing more. Idempotent.
create function orchable._wire_realtime_broadcast()
returns text[]
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_wired text [] := '{}';
begin
    if pg_catalog.to_regprocedure('realtime.send(jsonb, text, text, boolean)') is not null
        and not exists (
            select from pg_catalog.pg_trigger
            where tgrelid = 'public.task_events'::regclass and tgname = 'task_events_60_broadcast'
        ) then
        execute 'create trigger task_events_60_broadcast after insert on public.task_events'
            ' referencing new table as new_events for each statement'
            ' execute function orchable.tg_task_events__broadcast()';
        v_wired := v_wired || 'task_events_60_broadcast'::text;
    end if;
    if pg_catalog.to_regclass('realtime.messages') is not null
        and pg_catalog.to_regprocedure('realtime.topic()') is not null
        and not exists (
            select from pg_catalog.pg_policies
            where schemaname = 'realtime' and tablename = 'messages'
                and policyname = 'Owners can receive their own batches'' timelines'
        ) then
        execute $policy$
            create policy "Owners can receive their own batches' timelines"
            on realtime.messages for select to authenticated
            using (
                realtime.messages.extension = 'broadcast'
                and exists (
                    select from public.task_batches as b
                    where b.owner_id = (select auth.uid())
                        and b.id = case
                            when (select realtime.topic()) ~ '^orchable:batch:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                                then substr((select realtime.topic()), 16)::uuid
                        end
                )
            )
        $policy$;
        v_wired := v_wired || 'realtime.messages policy'::text;
    end if;
    return v_wired;
end
$$;

comment on function orchable._wire_realtime_broadcast() is
'Where Supabase Realtime exists: creates the task_events broadcast trigger and the realtime.messages policy for owners'' batch topics; returns what it created.';
