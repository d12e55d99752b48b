begin;
select plan(7);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.create_user('leaving@example.test') as leaving_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as unused_orchestrator_id \gset
select tests.seed_course_pipeline(:'leaving_id') as leaving_orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select id as leaving_batch_id from public.launch_batch(:'leaving_orchestrator_id', '[{"topic": "dogs"}]') \gset
select prompt_template_id as template_id from public.ai_tasks where batch_id = :'batch_id' \gset
select id as unused_template_id from public.prompt_templates where orchestrator_id = :'unused_orchestrator_id' \gset

-- Directly, even by service_role, a version goes neither alone nor with others.
select tests.authenticate_as_service_role();
select throws_ok(format('delete from public.prompt_templates where id = %L', :'template_id'), 'OR017',
    format('stage version %s cannot be deleted while its pipeline exists', :'template_id'),
    'a version its tasks ran is refused, named');
select throws_ok(format('delete from public.prompt_templates where id = %L', :'unused_template_id'), 'OR017', null,
    'a version of a pipeline that never ran is refused too');
select throws_ok(format('delete from public.prompt_templates where orchestrator_id in (%L, %L)',
    :'orchestrator_id', :'unused_orchestrator_id'), 'OR017', null, 'a statement deleting many is refused whole');
select tests.clear_authentication();
select is((select count(*)::integer from public.prompt_templates where orchestrator_id = :'orchestrator_id'), 3,
    'every version is kept');

-- With its pipeline, a version goes, and so do the tasks that ran it.
delete from public.orchestrators where id = :'orchestrator_id';
select is((select count(*)::integer from public.prompt_templates where orchestrator_id = :'orchestrator_id')
    + (select count(*)::integer from public.ai_tasks where prompt_template_id = :'template_id'), 0,
    'deleting the pipeline takes its versions and their tasks');

-- With its owner, too.
delete from auth.users where id = :'leaving_id';
select is((select count(*)::integer from public.prompt_templates where orchestrator_id = :'leaving_orchestrator_id')
    + (select count(*)::integer from public.ai_tasks where batch_id = :'leaving_batch_id'), 0,
    'deleting the owner takes their versions and tasks');

select is((select count(*)::integer from public.prompt_templates where orchestrator_id = :'unused_orchestrator_id'), 1,
    'another pipeline keeps its version');

select * from finish();
rollback;
