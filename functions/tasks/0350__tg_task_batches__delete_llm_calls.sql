-- llm_calls has no foreign keys (see its table): this takes the calls of deleted batches
-- along, once per statement, whether the batch was deleted by delete_batch or by a cascade
-- from its pipeline or its owner. A call being recorded for the batch meanwhile holds its
-- task FOR KEY SHARE, so the batch's tasks are deleted after that transaction ends and
-- this statement, run after them, sees its calls. SECURITY DEFINER, like the cascade of a
-- foreign key: whoever may delete a batch takes its calls along.
create function orchable.tg_task_batches__delete_llm_calls()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    delete from public.llm_calls as c
    where c.batch_id in (select o.id from old_batches as o);
    return null;
end
$$;

comment on function orchable.tg_task_batches__delete_llm_calls() is
'Statement trigger: deletes the LLM calls of the batches a statement deleted.';

create trigger task_batches_41_delete_llm_calls
after delete on public.task_batches
referencing old table as old_batches
for each statement
execute function orchable.tg_task_batches__delete_llm_calls();
