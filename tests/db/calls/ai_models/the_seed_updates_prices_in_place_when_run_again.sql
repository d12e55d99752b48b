begin;
select plan(2);

select count(*) as models_before from public.ai_models \gset
update public.ai_models set input_usd_per_million = 99 where provider = 'gemini' and model = 'gemini-2.5-flash';

\ir ../../../../sql/calls/0805_data_ai_models.sql

select is((select count(*) from public.ai_models), :'models_before'::bigint, 'running the seed again adds no row');
select isnt(
    (select input_usd_per_million from public.ai_models where provider = 'gemini' and model = 'gemini-2.5-flash'),
    99::numeric(12, 6),
    'it puts the seeded price back'
);

select * from finish();
rollback;
