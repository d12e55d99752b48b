begin;
select plan(9);

-- The attack of a stolen worker credential (or any login with TEMP, which PUBLIC has):
-- temporary domains named like the types orchable's functions use, whose CHECK runs a
-- temporary function. Had a SECURITY DEFINER function resolved one of them, the check
-- would run as the function's owner; here it refuses to run as anyone but the caller.
select tests.create_user('a@example.test') as user_a \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"question": "why?"}, {"question": "how?"}]') \gset
select tests.task_id(:'batch_a', 'answer') as task_a \gset
select tests.claim(:'task_a') as token_a \gset
update public.ai_tasks set status = 'generated', output_data = '{"answer": 1}', claim_token = null,
    locked_by = null, locked_until = null
where id = :'task_a';

create function pg_temp.caller_only() returns boolean language plpgsql as $$
begin
    if current_user not in ('orchable_worker', 'authenticated') then
        raise exception 'hijacked: a temporary type''s check ran as %', current_user using errcode = 'XX666';
    end if;
    return true;
end
$$;
grant execute on function pg_temp.caller_only() to public;

-- Every base type of pg_catalog that a function of orchable names anywhere in its body.
create temporary table shadowed_types as
select t.typname::text as typname
from pg_catalog.pg_type as t
where t.typnamespace = 'pg_catalog'::regnamespace and t.typtype = 'b' and t.typname !~ '^_'
    and exists (
        select from pg_catalog.pg_proc as p
        where p.pronamespace in ('public'::regnamespace, 'orchable'::regnamespace, 'orchable_rpc'::regnamespace)
            and p.prosrc ~* ('\m' || t.typname || '\M')
    );
select cmp_ok((select count(*)::integer from shadowed_types), '>=', 5,
    'the functions name at least five base types (text, uuid, jsonb, timestamptz, ...)');
select ok(
    (select array['text', 'uuid', 'jsonb', 'timestamptz'] <@ array_agg(typname) from shadowed_types),
    'text, uuid, jsonb and timestamptz are among them');

do $$
declare
    v_type text;
begin
    for v_type in select typname from shadowed_types loop
        execute format('create domain pg_temp.%I as pg_catalog.%I check (pg_temp.caller_only())', v_type, v_type);
    end loop;
end
$$;

-- The worker's RPCs.
select tests.authenticate_as_worker();
select lives_ok($$ select * from public.claim_tasks('worker-1', 10, 60) $$,
    'claim_tasks runs none of the caller''s temporary types');
select lives_ok($$ select * from public.complete_tasks('[]') $$,
    'complete_tasks runs none of the caller''s temporary types');
select lives_ok($$ select public.record_llm_calls('[]') $$,
    'record_llm_calls runs none of the caller''s temporary types');
select lives_ok($$ select public.report_api_key_results('[]') $$,
    'report_api_key_results runs none of the caller''s temporary types');
select tests.clear_authentication();

-- A signed-in user's RPCs.
select tests.authenticate_as(:'user_a');
select lives_ok(
    $$ select public.upsert_orchestrator('{"name": "other", "entry": "a", "stages": [{"key": "a", "template": "Say {{x}}"}]}') $$,
    'upsert_orchestrator runs none of the caller''s temporary types');
select lives_ok(
    format($$ select public.launch_batch(%L, '[{"question": "when?"}]') $$, :'orchestrator_a'),
    'launch_batch runs none of the caller''s temporary types');
select lives_ok(format($$ select public.approve_task(%L) $$, :'task_a'),
    'approve_task runs none of the caller''s temporary types');
select tests.clear_authentication();

select * from finish();
rollback;
