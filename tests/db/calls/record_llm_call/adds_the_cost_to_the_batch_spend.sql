begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_single_stage_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"question": "a"}, {"question": "b"}]') \gset
insert into public.ai_models (provider, model, display_name, input_usd_per_million, output_usd_per_million,
    price_source, price_read_on)
values ('testprov', 'm', 'm', 1, 4, 'https://example.test/prices', '2026-01-01');

select public.record_llm_call(t.id, 'testprov', 'm', 'success', p_input_tokens => 1000, p_output_tokens => 500)
from public.ai_tasks as t where t.batch_id = :'batch_id';
select public.record_llm_call(t.id, 'testprov', 'm', 'timeout', p_input_tokens => 1000)
from public.ai_tasks as t where t.batch_id = :'batch_id' limit 1;

select is((select spent_usd from public.task_batches where id = :'batch_id'), 0.007::numeric,
    'the batch''s spent_usd is the sum of its calls'' costs (0.003 + 0.003 + 0.001)');
select is((select spent_usd from public.task_batches where id = :'batch_id'),
    (select sum(cost_usd) from public.llm_calls where batch_id = :'batch_id'),
    'and equals a recount from llm_calls');

select * from finish();
rollback;
