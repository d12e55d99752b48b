-- A paused batch's waiting tasks leave the claim's reach: their run_after becomes
-- 'infinity', so ai_tasks_runnable_idx sorts them after every due task and no claim reads
-- past them (a paused batch of 100,000 tasks made every claim, every owner's, read them:
-- 26 ms each). Resuming makes them due at once; a retry's backoff does not outlast a pause.
-- The claim still skips tasks of held batches (those created or handed back meanwhile).
create function orchable.tg_task_batches__hold_tasks()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    update public.ai_tasks as t
    set run_after = case when new.status = 'paused' then 'infinity'::timestamptz else now() end
    where t.batch_id = new.id and t.status = 'plan'
        and (new.status = 'paused' or t.run_after = 'infinity');
    return null;
end
$$;

comment on function orchable.tg_task_batches__hold_tasks() is
'Row trigger: when a batch is paused, its waiting tasks wait until ''infinity''; when it leaves paused, they are due now.';

create trigger task_batches_20_hold_tasks
after update of status on public.task_batches
for each row
when (old.status is distinct from new.status and 'paused' in (old.status, new.status))
execute function orchable.tg_task_batches__hold_tasks();
