create table public.ai_models (
    provider text not null,
    model text not null,
    display_name text not null,
    input_usd_per_million numeric(12, 6),
    output_usd_per_million numeric(12, 6),
    cached_input_usd_per_million numeric(12, 6),
    context_window integer,
    price_source text,
    price_read_on date,
    is_active boolean not null default true,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint ai_models_pkey primary key (provider, model),
    constraint ai_models_provider_is_slug check (provider ~ '^[a-z][a-z0-9_.-]*$'),
    constraint ai_models_model_not_blank check (btrim(model) <> ''),
    constraint ai_models_prices_not_negative check (
        input_usd_per_million >= 0 and output_usd_per_million >= 0 and cached_input_usd_per_million >= 0
    ),
    constraint ai_models_context_window_positive check (context_window > 0),
    -- A price says where and when it was read.
    constraint ai_models_price_has_source check (
        (input_usd_per_million is null and output_usd_per_million is null)
        or (price_source is not null and price_read_on is not null)
    )
);

comment on table public.ai_models is
'The LLM models orchable knows, with their list prices per million tokens; record_llm_call prices each call from it.';
comment on column public.ai_models.provider is 'The provider, as in user_api_keys.provider (gemini, openai, anthropic, offline).';
comment on column public.ai_models.model is 'The model name the provider''s API takes (gemini-2.5-flash, gpt-4o-mini, ...).';
comment on column public.ai_models.display_name is 'A name for people.';
comment on column public.ai_models.input_usd_per_million is
'USD per million input tokens not served from a cache (standard tier, shortest-prompt tier); null when unknown.';
comment on column public.ai_models.output_usd_per_million is
'USD per million output tokens, thinking tokens included; null when unknown.';
comment on column public.ai_models.cached_input_usd_per_million is
'USD per million input tokens read from the provider''s cache; null bills them at the input price.';
comment on column public.ai_models.context_window is 'Input tokens the model accepts in one call.';
comment on column public.ai_models.price_source is 'The page the prices were read from (URL).';
comment on column public.ai_models.price_read_on is 'When the prices were read from price_source.';
comment on column public.ai_models.is_active is 'Whether the worker offers the model; an inactive model is still priced.';
comment on column public.ai_models.created_at is 'When the model was added.';
comment on column public.ai_models.updated_at is 'When the row last changed (the seed updates prices in place).';
