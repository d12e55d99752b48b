begin;
select plan(3);

select tests.create_user('owner@example.test') as owner_id \gset
select tests.seed_course_pipeline(:'owner_id') as orchestrator_id \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}]') \gset
select tests.complete(tests.task_id(:'batch_id', 'outline'), '{"questions": ["a", "b", "c"]}');

-- Fan-out runs once per statement: every branch arrives in the same complete_tasks call.
select tests.claim(id) from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'question';
select is(
    (
        select array_agg(c.status order by c.status)
        from public.complete_tasks((
            select jsonb_agg(jsonb_build_object(
                'task_id', t.id, 'claim_token', t.claim_token,
                'output', jsonb_build_object('answer', upper(t.input_data ->> 'item'))
            ) order by t.branch_index desc)
            from public.ai_tasks as t
            where t.batch_id = :'batch_id' and t.stage_key = 'question'
        )) as c
    ),
    array['completed', 'completed', 'completed'],
    'the three branches complete in one call'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz'), 1,
    'one merge task is created'
);
select is(
    (select input_data -> 'answers' from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'quiz'),
    '[{"answer": "A"}, {"answer": "B"}, {"answer": "C"}]'::jsonb,
    'it holds every branch''s output in split order'
);

select * from finish();
rollback;
