begin;
select plan(4);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
select tests.seed_single_stage_pipeline(:'user_a') as orchestrator_a \gset
select id as template_a from public.prompt_templates where orchestrator_id = :'orchestrator_a' \gset
insert into public.custom_components (name, created_by) values ('b private', :'user_b') returning id as private_b \gset
insert into public.custom_components (name, created_by, is_public) values ('b public', :'user_b', true) returning id as public_b \gset
insert into public.custom_components (name, created_by) values ('a private', :'user_a') returning id as private_a \gset

-- The foreign key alone would let A link (and so probe for) B's private component.
select tests.authenticate_as(:'user_a');
select throws_ok(
    format($$ update public.prompt_templates set custom_component_id = %L where id = %L $$, :'private_b', :'template_a'),
    '42501', null, 'A linking their template to B''s private component is refused with 42501');
with u as (update public.prompt_templates set custom_component_id = :'public_b' where id = :'template_a' returning 1)
select count(*) as linked_public from u \gset
with u as (update public.prompt_templates set custom_component_id = :'private_a' where id = :'template_a' returning 1)
select count(*) as linked_own from u \gset
select tests.clear_authentication();

select is(:'linked_public'::integer, 1, 'A links their template to B''s public component');
select is(:'linked_own'::integer, 1, 'A links their template to their own private component');
select is(
    (select custom_component_id from public.prompt_templates where id = :'template_a'), :'private_a'::uuid,
    'the template shows A''s component'
);

select * from finish();
rollback;
