begin;
select plan(4);

select set_has(
    $$ select provider || '/' || model from public.ai_models where is_active $$,
    $$ values ('gemini/gemini-2.5-flash'), ('gemini/gemini-2.5-pro'), ('gemini/gemini-2.5-flash-lite'),
              ('gemini/gemini-2.0-flash'), ('openai/gpt-4o-mini'), ('openai/gpt-4.1-mini'), ('offline/offline') $$,
    'every model the worker supports is in the catalogue, active'
);
select is_empty(
    $$ select provider || '/' || model from public.ai_models
       where input_usd_per_million is not null and (price_source is null or price_read_on is null) $$,
    'every price says where and when it was read'
);
select is(
    (select row(input_usd_per_million, output_usd_per_million, cached_input_usd_per_million)::text
     from public.ai_models where provider = 'offline' and model = 'offline'),
    row(0::numeric(12, 6), 0::numeric(12, 6), 0::numeric(12, 6))::text,
    'the offline model is priced 0'
);
select is_empty(
    $$ select provider || '/' || model from public.ai_models
       where provider <> 'offline' and (input_usd_per_million is null or output_usd_per_million is null) $$,
    'every model has an input and an output price'
);

select * from finish();
rollback;
