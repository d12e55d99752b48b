begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset

-- A chain s1 -> s2 -> ... -> sN.
create function pg_temp.chain(p_owner_id uuid, p_count integer) returns jsonb language sql as $$
    select jsonb_build_object('owner_id', p_owner_id, 'name', 'chain', 'entry', 's1', 'stages', jsonb_agg(
        jsonb_build_object('key', 's' || i, 'template', 'step {{x}}')
        || case when i < p_count then jsonb_build_object('next', jsonb_build_array('s' || (i + 1))) else '{}' end
        order by i))
    from generate_series(1, p_count) as i
$$;

select throws_ok(
    format('select public.upsert_orchestrator(%L)', pg_temp.chain(:'owner_id', 2000)),
    'OR001', 'the pipeline definition has 2000 stages; at most 200',
    'a pipeline of 2,000 stages is refused with OR001');
select lives_ok(format('select public.upsert_orchestrator(%L)', pg_temp.chain(:'owner_id', 200)),
    'a chain of 200 stages is taken');

select * from finish();
rollback;
