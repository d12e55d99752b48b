begin;
select plan(4);

select tests.create_user('a@example.test') as user_a \gset
select tests.create_user('b@example.test') as user_b \gset
insert into public.custom_components (name, created_by) values ('a private', :'user_a') returning id as component_a \gset

select tests.authenticate_as(:'user_b');
select is_empty(
    format($$ select 1 from public.custom_components where id = %L $$, :'component_a'),
    'B does not see A''s private component'
);
select tests.clear_authentication();

select tests.authenticate_as(:'user_a');
select isnt_empty(
    format($$ select 1 from public.custom_components where id = %L $$, :'component_a'),
    'A sees their own private component'
);
-- created_by defaults to the caller.
insert into public.custom_components (name) values ('a second') returning created_by as default_owner \gset
select tests.clear_authentication();
select is(:'default_owner'::uuid, :'user_a'::uuid, 'a component A creates is A''s');

select tests.authenticate_as(:'user_b');
select is_empty(
    $$ select 1 from public.custom_components $$,
    'B sees none of A''s private components'
);
select tests.clear_authentication();

select * from finish();
rollback;
