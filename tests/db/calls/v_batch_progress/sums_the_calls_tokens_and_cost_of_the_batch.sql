begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]',
    p_config => '{"budget_usd": 5}') \gset
select id as other_batch from public.launch_batch(:'orchestrator_id', '[{"question": "c"}]') \gset
insert into public.ai_models (provider, model, display_name, input_usd_per_million, output_usd_per_million,
    cached_input_usd_per_million, price_source, price_read_on)
values ('testprov', 'm', 'm', 1, 4, 0.25, 'https://example.test/prices', '2026-01-01');

select public.record_llm_call(t.id, 'testprov', 'm', 'success',
    p_input_tokens => 1000, p_cached_tokens => 200, p_output_tokens => 100, p_thoughts_tokens => 50)
from public.ai_tasks as t where t.batch_id = :'batch_id';
select public.record_llm_call(t.id, 'testprov', 'm', 'success', p_input_tokens => 777)
from public.ai_tasks as t where t.batch_id = :'other_batch';

select is(
    (select row(llm_call_count, input_tokens, output_tokens, cached_tokens, cost_usd, budget_usd)::text
     from public.v_batch_progress where batch_id = :'batch_id'),
    row(2, 2000, 200, 400, 0.00290000::numeric(14, 8), 5::numeric)::text,
    'it sums the calls of the batch (and of no other), their tokens and cost, and shows the budget'
);
select is(
    (select cost_usd from public.v_batch_progress where batch_id = :'batch_id'),
    (select spent_usd from public.task_batches where id = :'batch_id'),
    'its cost equals the batch''s spent_usd'
);

select * from finish();
rollback;
