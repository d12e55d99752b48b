begin;
select plan(8);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
insert into public.custom_components (name, code, is_public, created_by)
values ('a public', 'export default A', true, :'user_a') returning id as component_a \gset

select tests.authenticate_as(:'user_b');
select results_eq(
    format($$ select name, code from public.custom_components where id = %L $$, :'component_a'),
    $$ values ('a public', 'export default A') $$,
    'B reads A''s public component'
);
with u as (update public.custom_components set code = 'hacked' where id = :'component_a' returning 1)
select count(*) as b_updated from u \gset
with u as (update public.custom_components set is_public = false where id = :'component_a' returning 1)
select count(*) as b_hid from u \gset
with d as (delete from public.custom_components where id = :'component_a' returning 1)
select count(*) as b_deleted from d \gset
select tests.clear_authentication();

select is(:'b_updated'::integer, 0, 'B''s update of A''s public component updates no row');
select is(:'b_hid'::integer, 0, 'B cannot make A''s public component private');
select is(:'b_deleted'::integer, 0, 'B''s delete of A''s public component deletes no row');
select results_eq(
    format($$ select code, is_public from public.custom_components where id = %L $$, :'component_a'),
    $$ values ('export default A', true) $$,
    'A''s public component is unchanged'
);

select tests.authenticate_as(:'user_a');
with u as (update public.custom_components set code = 'export default A2' where id = :'component_a' returning 1)
select count(*) as a_updated from u \gset
select throws_ok(
    format($$ update public.custom_components set created_by = %L where id = %L $$, :'user_b', :'component_a'),
    '42501', null, 'A cannot give their component to B (the new row fails the policy)');
select tests.clear_authentication();

select is(:'a_updated'::integer, 1, 'A edits their own public component');
select is(
    (select code from public.custom_components where id = :'component_a'), 'export default A2',
    'A''s edit is stored'
);

select * from finish();
rollback;
