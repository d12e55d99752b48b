-- task_events has no foreign key to task_batches (see its table): this takes the events of
-- deleted batches along, once per statement, whether the batch was deleted by delete_batch
-- or by a cascade from its pipeline or its owner. SECURITY DEFINER, like the cascade of a
-- foreign key: whoever may delete a batch takes its events along.
create function orchable.tg_task_batches__delete_events()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from public.task_events as e
    where e.batch_id in (select o.id from old_batches as o);
    return null;
end
$$;

comment on function orchable.tg_task_batches__delete_events() is
'Statement trigger: deletes the events of the batches a statement deleted.';

create trigger task_batches_40_delete_events
after delete on public.task_batches
referencing old table as old_batches
for each statement
execute function orchable.tg_task_batches__delete_events();
