begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id',
    '[{"question": "a"}, {"question": "b"}, {"question": "c"}, {"question": "d"}]') \gset
select jsonb_agg(jsonb_build_object('task_id', id, 'claim_token', tests.claim(id), 'output', '{"answer": 1}'::jsonb))
    as results
from public.ai_tasks where batch_id = :'batch_id' \gset

-- Count the updates of the batch row from here on.
create table tests.batch_row_updates (batch_id uuid);
create function tests.count_batch_row_update() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
    insert into tests.batch_row_updates values (new.id);
    return null;
end
$$;
create trigger zz_count_updates after update on public.task_batches
for each row execute function tests.count_batch_row_update();

select tests.authenticate_as_worker();
select string_agg(status, ',') as statuses from public.complete_tasks(:'results') \gset
select tests.clear_authentication();

select is(:'statuses'::text, 'completed,completed,completed,completed', 'the four tasks complete');
select is((select count(*)::integer from tests.batch_row_updates where batch_id = :'batch_id'), 1,
    'the batch row is updated once for the four completions');
select is(
    (select row(status, completed_tasks)::text from public.task_batches where id = :'batch_id'),
    row('completed', 4)::text,
    'and that one update counts all four inputs'
);

select * from finish();
rollback;
