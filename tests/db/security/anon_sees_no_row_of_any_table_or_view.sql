begin;
select plan(4);

-- A user with a pipeline, a batch, tasks, events and a public component.
select tests.create_user('a@example.test') as user_a \gset
select tests.seed_course_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"topic": "cats"}]') \gset
select tests.complete(tests.task_id(:'batch_a', 'outline'), '{"questions": [{"text": "q1"}, {"text": "q2"}]}');
insert into public.custom_components (name, created_by, is_public)
values ('a public', :'user_a', true), ('a private', :'user_a', false);

-- Every table and view in public and orchable, so a new one is covered without edits.
create temporary view exposed_relations as
select c.oid::regclass as relation
from pg_catalog.pg_class as c
join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
where n.nspname in ('public', 'orchable') and c.relkind in ('r', 'p', 'v', 'm');
grant select on exposed_relations to anon;

-- Rows the caller sees in a relation: a count, or 'denied' when the read raises 42501.
create function pg_temp.rows_seen(p_relation regclass)
returns text
language plpgsql
as $$
declare
    v_count bigint;
begin
    execute format('select count(*) from %s', p_relation) into v_count;
    return v_count::text;
exception when insufficient_privilege then
    return 'denied';
end
$$;

select is_empty(
    $$ select relation::text from exposed_relations
       where relation::text in ('orchestrators', 'prompt_templates', 'task_batches', 'ai_tasks', 'task_events',
                                'custom_components', 'v_runnable_tasks', 'v_stage_progress',
                                'orchable.task_trees', 'orchable.merge_groups')
           and pg_temp.rows_seen(relation) = '0' $$,
    'the superuser sees rows in every seeded table and view (so the check below is not vacuous)'
);

select tests.authenticate_as_anon();
select is(current_user::text, 'anon', 'the test acts as anon');
select is_empty(
    $$ select relation::text || ': ' || pg_temp.rows_seen(relation) from exposed_relations
       where pg_temp.rows_seen(relation) not in ('0', 'denied') $$,
    'anon sees no row of any table or view (each read returns nothing or raises 42501)'
);
select throws_ok(
    $$ select count(*) from public.ai_tasks $$,
    '42501',
    null,
    'anon reading ai_tasks is refused with 42501'
);
select tests.clear_authentication();

select * from finish();
rollback;
