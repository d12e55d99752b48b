begin;
select plan(12);

select tests.create_user('owner@example.test') as owner_id \gset

select tests.authenticate_as(:'owner_id');
select throws_ok('select public.cleanup_old_events(30)', '42501', null, 'a signed-in user cannot clean up events');
select throws_ok('select public.cleanup_old_llm_calls(90)', '42501', null, 'nor LLM calls');
select throws_ok($$select public.purge_finished_batches('90 days')$$, '42501', null, 'nor purge batches');
select tests.authenticate_as_anon();
select throws_ok('select public.cleanup_old_events(30)', '42501', null, 'anon cannot clean up events');
select throws_ok('select public.cleanup_old_llm_calls(90)', '42501', null, 'nor LLM calls');
select throws_ok($$select public.purge_finished_batches('90 days')$$, '42501', null, 'nor purge batches');
select tests.authenticate_as_worker();
select throws_ok('select public.cleanup_old_events(30)', '42501', null, 'the worker role cannot clean up events');
select throws_ok('select public.cleanup_old_llm_calls(90)', '42501', null, 'nor LLM calls');
select throws_ok($$select public.purge_finished_batches('90 days')$$, '42501', null, 'nor purge batches (tick() does, hourly)');
select tests.authenticate_as_service_role();
select lives_ok('select public.cleanup_old_events(30)', 'service_role can clean up events');
select lives_ok('select public.cleanup_old_llm_calls(90)', 'and LLM calls');
select lives_ok($$select public.purge_finished_batches('90 days')$$, 'and purge batches');
select tests.clear_authentication();

select * from finish();
rollback;
