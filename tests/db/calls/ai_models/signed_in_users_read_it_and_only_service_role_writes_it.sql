begin;
select plan(6);

select tests.create_user('a@example.test') as user_a \gset

select count(*) as model_count from public.ai_models \gset

select tests.authenticate_as(:'user_a');
select cmp_ok(:'model_count'::integer, '>=', 7, 'the catalogue is seeded (so the next check is not vacuous)');
select is((select count(*) from public.ai_models), :'model_count'::bigint, 'a signed-in user reads every row of it');
select throws_ok($$ update public.ai_models set input_usd_per_million = 0 $$, '42501', null,
    'a user cannot change a price');
select throws_ok(
    $$ insert into public.ai_models (provider, model, display_name) values ('x', 'y', 'z') $$, '42501', null,
    'a user cannot add a model');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select lives_ok(
    $$ insert into public.ai_models (provider, model, display_name, input_usd_per_million, output_usd_per_million,
           price_source, price_read_on)
       values ('openai', 'gpt-test', 'test', 1, 2, 'https://example.test', '2026-01-01') $$,
    'service_role adds a model');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$ select count(*) from public.ai_models $$, '42501', null, 'anon cannot read it');
select tests.clear_authentication();

select * from finish();
rollback;
