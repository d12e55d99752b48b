-- The model catalogue and its list prices (USD per million tokens, standard tier, the
-- tier for the shortest prompts), each with the page it was read from and when. Run
-- again after a price change: rows are updated in place. A price left null was not found.
insert into public.ai_models (
    provider, model, display_name,
    input_usd_per_million, output_usd_per_million, cached_input_usd_per_million,
    context_window, price_source, price_read_on, is_active
)
values
-- Google Gemini: prices for prompts up to 200k tokens; thinking tokens are output.
(
    'gemini', 'gemini-2.5-pro', 'Gemini 2.5 Pro', 1.25, 10.00, 0.125, 1048576,
    'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-21', true
),
(
    'gemini', 'gemini-2.5-flash', 'Gemini 2.5 Flash', 0.30, 2.50, 0.03, 1048576,
    'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-21', true
),
(
    'gemini', 'gemini-2.5-flash-lite', 'Gemini 2.5 Flash-Lite', 0.10, 0.40, null, 1048576,
    'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-21', true
),
(
    'gemini', 'gemini-2.0-flash', 'Gemini 2.0 Flash', 0.10, 0.40, null, 1048576,
    'https://ai.google.dev/gemini-api/docs/pricing', '2026-11-21', true
),
-- OpenAI.
(
    'openai', 'gpt-4o-mini', 'GPT-4o mini', 0.15, 0.60, 0.075, 128000,
    'https://platform.openai.com/docs/pricing', '2026-11-21', true
),
(
    'openai', 'gpt-4.1-mini', 'GPT-4.1 mini', 0.40, 1.60, 0.10, 1047576,
    'https://platform.openai.com/docs/pricing', '2026-11-21', true
),
(
    'openai', 'gpt-5', 'GPT-5', 1.25, 10.00, 0.125, 400000,
    'https://platform.openai.com/docs/pricing', '2026-11-21', false
),
(
    'openai', 'gpt-5-mini', 'GPT-5 mini', 0.25, 2.00, null, 400000,
    'https://platform.openai.com/docs/pricing', '2026-11-21', false
),
(
    'openai', 'gpt-5-nano', 'GPT-5 nano', 0.05, 0.40, null, 400000,
    'https://platform.openai.com/docs/pricing', '2026-11-21', false
),
-- Anthropic: listed by the seed; the worker has no Anthropic provider yet (inactive).
(
    'anthropic', 'claude-sonnet-4-20250514', 'Claude Sonnet 4', 3.00, 15.00, 0.30, 200000,
    'https://docs.anthropic.com/en/docs/about-claude/pricing', '2026-11-21', false
),
(
    'anthropic', 'claude-3-5-haiku-20241022', 'Claude Haiku 3.5', 0.80, 4.00, 0.08, 200000,
    'https://docs.anthropic.com/en/docs/about-claude/pricing', '2026-11-21', false
),
-- The offline provider calls no model and costs nothing.
('offline', 'offline', 'Offline (no model)', 0, 0, 0, null, 'orchable', '2026-11-21', true)
on conflict (provider, model) do update
    set
        display_name = excluded.display_name,
        input_usd_per_million = excluded.input_usd_per_million,
        output_usd_per_million = excluded.output_usd_per_million,
        cached_input_usd_per_million = excluded.cached_input_usd_per_million,
        context_window = excluded.context_window,
        price_source = excluded.price_source,
        price_read_on = excluded.price_read_on,
        is_active = excluded.is_active,
        updated_at = now();
