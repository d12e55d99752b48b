-- Delta from the sources below, written by scripts/new-migration.sh.

-- Written by hand: sql/0150_table_task_events.sql and sql/0410_table_llm_calls.sql lose
-- their foreign keys to task_batches.
alter table public.task_events drop constraint task_events_batch_id_fkey;
alter table public.llm_calls drop constraint llm_calls_batch_id_fkey;

-- functions/0255_tg_task_batches__delete_events.sql
-- task_events has no foreign key to task_batches (see its table): this takes the events of
-- deleted batches along, once per statement, whether the batch was deleted by delete_batch
-- or by a cascade from its pipeline or its owner. SECURITY DEFINER, like the cascade of a
-- foreign key: whoever may delete a batch takes its events along.
create or replace function orchable.tg_task_batches__delete_events()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    delete from public.task_events as e
    where e.batch_id in (select o.id from old_batches as o);
    return null;
end
$$;

comment on function orchable.tg_task_batches__delete_events() is
'Statement trigger: deletes the events of the batches a statement deleted.';

drop trigger if exists task_batches_40_delete_events on public.task_batches;
create trigger task_batches_40_delete_events
after delete on public.task_batches
referencing old table as old_batches
for each statement
execute function orchable.tg_task_batches__delete_events();

revoke all on function orchable.tg_task_batches__delete_events() from public, anon, authenticated, service_role;
