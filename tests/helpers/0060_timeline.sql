-- Retention in pgTAP and pytest: a one-input batch of the owner's single-stage pipeline,
-- brought to p_status (pending, processing, paused, completed, failed, cancelled) with one
-- LLM call, then moved p_age into the past: its launch, its end, its events and its call.
drop function if exists tests.aged_batch(uuid, uuid, text, interval);
create or replace function tests.aged_batch(p_owner_id uuid, p_orchestrator_id uuid, p_status text, p_age interval)
returns uuid
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_batch_id uuid;
    v_task_id uuid;
begin
    select b.id into v_batch_id
    from public.launch_batch(p_orchestrator_id, '[{"question": "old?"}]', p_name => p_status || ' ' || p_age) as b;
    v_task_id := tests.task_id(v_batch_id, 'answer');
    perform public.record_llm_call(v_task_id, 'testprov', 'm', 'success', p_input_tokens => 10);
    perform set_config('request.jwt.claims', jsonb_build_object('sub', p_owner_id, 'role', 'authenticated')::text, true);
    case p_status
        when 'pending' then null;
        when 'processing' then perform tests.claim(v_task_id);
        when 'paused' then perform public.pause_batch(v_batch_id);
        when 'completed' then perform tests.complete(v_task_id, '{"answer": "yes"}');
        when 'failed' then perform public.fail_task(v_task_id, tests.claim(v_task_id), 'no', false);
        when 'cancelled' then perform public.cancel_batch(v_batch_id);
    end case;
    perform set_config('request.jwt.claims', '', true);
    update public.task_batches
    set created_at = created_at - p_age, finished_at = finished_at - p_age
    where id = v_batch_id;
    update public.task_events set created_at = created_at - p_age where batch_id = v_batch_id;
    update public.llm_calls set created_at = created_at - p_age where batch_id = v_batch_id;
    update public.batch_pauses set paused_at = paused_at - p_age, created_at = created_at - p_age
    where batch_id = v_batch_id;
    return v_batch_id;
end
$$;

-- Counts the rows each DELETE statement on p_table removes, into tests.deleted_per_statement
-- (created for the test's transaction): to check that retention deletes in chunks.
create or replace function tests.count_deletes(p_table regclass)
returns void
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    create table if not exists tests.deleted_per_statement (
        id bigint generated always as identity, table_name text, rows_deleted bigint
    );
    -- The deletes run inside SECURITY DEFINER functions, as their owner.
    grant usage on schema tests to public;
    grant insert on tests.deleted_per_statement to public;
    execute format(
        'create trigger tests_count_deletes after delete on %s referencing old table as gone'
        ' for each statement execute function tests.tg_count_deletes()', p_table
    );
end
$$;

create or replace function tests.tg_count_deletes()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
    insert into tests.deleted_per_statement (table_name, rows_deleted)
    select tg_table_name, count(*) from gone;
    return null;
end
$$;
