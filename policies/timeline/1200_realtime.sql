-- Live updates where the database has Supabase Realtime: the watched tables join its
-- publication, and task_events broadcasts on private per-batch topics that only the
-- batch's owner may receive. Where it has none, nothing is created (NOTIFY
-- orchable_batch_events, task_events_50_notify, works everywhere).
do $$
begin
    perform orchable._join_realtime_publication();
    perform orchable._wire_realtime_broadcast();
end
$$;
