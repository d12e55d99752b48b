-- Wakes idle workers (LISTEN orchable_tasks) when a statement makes tasks runnable.
-- NOTIFY is delivered on commit and coalesced per transaction: a hint to poll, no more.
create function orchable.tg_ai_tasks__notify()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    if exists (select from new_tasks as n where n.status = 'plan') then
        perform pg_notify('orchable_tasks', 'runnable');
    end if;
    return null;
end
$$;

comment on function orchable.tg_ai_tasks__notify() is
'Statement trigger: NOTIFY orchable_tasks when tasks are created or put back to plan.';

create trigger ai_tasks_40_notify_inserted
after insert on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__notify();

create trigger ai_tasks_40_notify_updated
after update on public.ai_tasks
referencing new table as new_tasks
for each statement
execute function orchable.tg_ai_tasks__notify();
