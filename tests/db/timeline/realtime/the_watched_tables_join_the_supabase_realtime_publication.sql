begin;
select plan(4);

-- Deployed where the publication exists and postgres owns it (as on Supabase, and the stand-in).
select set_eq(
    $$select schemaname || '.' || tablename from pg_catalog.pg_publication_tables where pubname = 'supabase_realtime'$$,
    array['public.task_batches', 'public.ai_tasks', 'public.human_interactions'],
    'the deployed database publishes the tables a client watches'
);

-- Taken out again (as if the publication came after the deploy), the function puts them back.
alter publication supabase_realtime drop table public.task_batches, public.human_interactions;
select is(
    orchable._join_realtime_publication(),
    array['public.task_batches', 'public.human_interactions'],
    'joining adds the tables missing from the publication'
);
select is(orchable._join_realtime_publication(), '{}'::text [], 'joining again adds nothing');

-- Where the publication belongs to a role the caller is not, nothing changes.
set local client_min_messages = warning;
alter publication supabase_realtime drop table public.ai_tasks;
create role tests_publication_owner;
alter publication supabase_realtime owner to tests_publication_owner;
set local role postgres;
select orchable._join_realtime_publication();
reset role;
select is(
    (select count(*)::integer from pg_catalog.pg_publication_tables
     where pubname = 'supabase_realtime' and tablename = 'ai_tasks'),
    0,
    'a caller who does not own the publication leaves it as it is'
);

select * from finish();
rollback;
