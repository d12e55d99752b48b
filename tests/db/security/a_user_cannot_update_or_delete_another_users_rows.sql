begin;
select plan(19);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
select tests.seed_course_pipeline(:'user_a') as orchestrator_a \gset
select id as batch_a from public.launch_batch(:'orchestrator_a', '[{"topic": "cats"}]') \gset
select tests.complete(tests.task_id(:'batch_a', 'outline'), '{"questions": [{"text": "q1"}]}');
select tests.task_id(:'batch_a', 'question') as task_a \gset
select id as template_a from public.prompt_templates where orchestrator_id = :'orchestrator_a' and stage_key = 'outline' \gset
insert into public.custom_components (name, created_by) values ('a private', :'user_a') returning id as component_a \gset
insert into public.custom_components (name, created_by) values ('b private', :'user_b');

-- Everything A owns, as one fingerprint.
create temporary view a_rows as
select md5(string_agg(r, ',' order by r)) as fingerprint from (
    select o::text as r from public.orchestrators as o where owner_id = :'user_a'
    union all select t::text from public.prompt_templates as t where owner_id = :'user_a'
    union all select b::text from public.task_batches as b where owner_id = :'user_a'
    union all select t::text from public.ai_tasks as t where owner_id = :'user_a'
    union all select e::text from public.task_events as e where owner_id = :'user_a'
    union all select c::text from public.custom_components as c where created_by = :'user_a'
) as rows;
select fingerprint as before from a_rows \gset

select tests.authenticate_as(:'user_b');
-- Where B holds the privilege, RLS filters A's rows out: nothing happens, silently.
with d as (delete from public.orchestrators where id = :'orchestrator_a' returning 1)
select count(*) as deleted_orchestrators from d \gset
with u as (update public.prompt_templates set view_config = '{"hacked": true}' where id = :'template_a' returning 1)
select count(*) as updated_templates from u \gset
with u as (update public.custom_components set code = 'hacked' where id = :'component_a' returning 1)
select count(*) as updated_components from u \gset
with d as (delete from public.custom_components where id = :'component_a' returning 1)
select count(*) as deleted_components from d \gset
-- Where B does not, the write is refused.
select throws_ok(format($$ update public.orchestrators set name = 'hacked' where id = %L $$, :'orchestrator_a'),
    '42501', null, 'B updating A''s orchestrator is refused with 42501 (no update grant)');
select throws_ok(format($$ update public.prompt_templates set template = 'hacked' where id = %L $$, :'template_a'),
    '42501', null, 'B updating the prompt of A''s template is refused with 42501 (column not granted)');
select throws_ok(format($$ delete from public.prompt_templates where id = %L $$, :'template_a'),
    '42501', null, 'B deleting A''s template is refused with 42501');
select throws_ok(format($$ update public.task_batches set status = 'cancelled' where id = %L $$, :'batch_a'),
    '42501', null, 'B updating A''s batch is refused with 42501');
select throws_ok(format($$ delete from public.task_batches where id = %L $$, :'batch_a'),
    '42501', null, 'B deleting A''s batch is refused with 42501');
select throws_ok(format($$ update public.ai_tasks set status = 'failed' where id = %L $$, :'task_a'),
    '42501', null, 'B updating A''s task is refused with 42501');
select throws_ok(format($$ delete from public.ai_tasks where id = %L $$, :'task_a'),
    '42501', null, 'B deleting A''s task is refused with 42501');
select throws_ok(format($$ update public.task_events set to_status = 'failed' where batch_id = %L $$, :'batch_a'),
    '42501', null, 'B updating A''s events is refused with 42501');
select throws_ok(format($$ delete from public.task_events where batch_id = %L $$, :'batch_a'),
    '42501', null, 'B deleting A''s events is refused with 42501');
select throws_ok(format($$ insert into public.custom_components (name, created_by) values ('planted', %L) $$, :'user_a'),
    '42501', null, 'B creating a component in A''s name is refused with 42501 (row-level security)');
select throws_ok(
    format($$ update public.custom_components set created_by = %L where created_by = %L $$, :'user_a', :'user_b'),
    '42501', null, 'B cannot hand a component to A: the new row fails the policy');
select tests.clear_authentication();

select is(:'deleted_orchestrators'::integer, 0, 'B deleting A''s orchestrator deletes no row');
select is(:'updated_templates'::integer, 0, 'B setting the view of A''s template updates no row');
select is(:'updated_components'::integer, 0, 'B updating A''s component updates no row');
select is(:'deleted_components'::integer, 0, 'B deleting A''s component deletes no row');
select is((select fingerprint from a_rows), :'before', 'A''s rows are exactly as they were');

-- The same writes by A on their own rows go through: B was stopped by RLS, not by chance.
select tests.authenticate_as(:'user_a');
with u as (update public.prompt_templates set view_config = '{"layout": "grid"}' where id = :'template_a' returning 1)
select count(*) as own_templates from u \gset
with u as (update public.custom_components set code = 'export default 1' where id = :'component_a' returning 1)
select count(*) as own_components from u \gset
with d as (delete from public.orchestrators where id = :'orchestrator_a' returning 1)
select count(*) as own_orchestrators from d \gset
select tests.clear_authentication();
select is(:'own_templates'::integer, 1, 'A sets the view of their own template');
select is(:'own_components'::integer, 1, 'A updates their own component');
select is(:'own_orchestrators'::integer, 1, 'A deletes their own orchestrator');

select * from finish();
rollback;
