-- Live updates everywhere: NOTIFY orchable_batch_events once per statement and batch,
-- with ids only ('<batch id>:<first event id>:<last event id>', under 80 bytes, far
-- below NOTIFY's 8000), so that a listener (orchable watch) reads the events it was told
-- of. A notification is delivered at commit; ids are handed out at insert, so events of
-- a transaction that commits later may have lower ids than ones already seen: a listener
-- reads from the first id of each notification, not from the last id it saw.
create function orchable.tg_task_events__notify()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    perform pg_catalog.pg_notify('orchable_batch_events', e.batch_id || ':' || min(e.id) || ':' || max(e.id))
    from new_events as e
    group by e.batch_id;
    return null;
end
$$;

comment on function orchable.tg_task_events__notify() is
'Statement trigger: NOTIFY orchable_batch_events with <batch id>:<first event id>:<last event id> for each batch a statement logged events of.';

create trigger task_events_50_notify
after insert on public.task_events
referencing new table as new_events
for each statement
execute function orchable.tg_task_events__notify();
