begin;
select plan(8);

-- plan (1:1) -> chapter (1:N over chapters) -> write (1:1) -> collect (N:1): a three-level
-- tree whose merge hangs under the split task.
select tests.create_user('owner@example.test') as owner_id \gset
select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'book', 'owner_id', :'owner_id', 'entry', 'plan',
    'stages', '[{"key": "plan", "template": "Plan {{topic}}", "next": ["chapter"]},
                {"key": "chapter", "template": "Chapter {{item}}", "cardinality": "1:N", "split_path": "chapters", "next": ["write"]},
                {"key": "write", "template": "Write {{text}}", "next": ["collect"]},
                {"key": "collect", "template": "Collect {{items}}", "cardinality": "N:1"}]'::jsonb
)) \gset
select id as batch_id, launch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats"}, {"topic": "dogs"}]') \gset

select tests.complete(id, '{"chapters": ["one", "two"]}') from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'plan';
select tests.complete(id, jsonb_build_object('text', input_data -> 'item'))
from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'chapter';
select tests.complete(id, input_data) from public.ai_tasks where batch_id = :'batch_id' and stage_key = 'write';

select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id'), 12,
    'two inputs, each with two chapters, two writes and one collect'
);
select is(
    (select count(*)::integer from public.ai_tasks where batch_id = :'batch_id' and launch_id = :'launch_id'), 12,
    'every task carries the batch and its launch_id'
);
select is_empty(
    format($$select c.id from public.ai_tasks as c join public.ai_tasks as p on p.id = c.parent_task_id
             where c.batch_id = %L and c.root_task_id <> p.root_task_id$$, :'batch_id'),
    'every task has the root of its parent'
);
select is_empty(
    format($$select c.id from public.ai_tasks as c
             left join public.ai_tasks as p on p.id = c.parent_task_id
             where c.batch_id = %L and c.hierarchy_path <> case when p.id is null then '[]'::jsonb else p.hierarchy_path || to_jsonb(p.id) end$$,
        :'batch_id'),
    'every hierarchy_path is [root, ..., parent]'
);
select results_eq(
    format($$select w.hierarchy_path, w.step_number from public.ai_tasks as w
             join public.ai_tasks as c on c.id = w.parent_task_id
             where w.batch_id = %L and w.stage_key = 'write' and w.input_data ->> 'text' = 'two' and w.root_task_id = %L$$,
        :'batch_id', (select id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'topic' = 'dogs')),
    format($$select jsonb_build_array(c.root_task_id, c.id), 3 from public.ai_tasks as c
             where c.batch_id = %L and c.stage_key = 'chapter' and c.input_data ->> 'item' = 'two' and c.root_task_id = %L$$,
        :'batch_id', (select id from public.ai_tasks where batch_id = :'batch_id' and input_data ->> 'topic' = 'dogs')),
    'a grandchild''s hierarchy_path is [root, parent] and it is at step 3'
);
select results_eq(
    format('select stage_key, step_number, count(*)::integer from public.ai_tasks where batch_id = %L group by 1, 2 order by 2, 1', :'batch_id'),
    $$ values ('plan', 1, 2), ('chapter', 2, 4), ('collect', 2, 2), ('write', 3, 4) $$,
    'step_number grows by one per level; a merge is one step below its split task'
);
select is_empty(
    format('select id from public.ai_tasks where batch_id = %L and step_number <> jsonb_array_length(hierarchy_path) + 1', :'batch_id'),
    'every task''s step_number is one more than its number of ancestors'
);
select results_eq(
    format('select root_task_id, hierarchy_path from public.ai_tasks where batch_id = %L and stage_key = %L order by root_task_id', :'batch_id', 'collect'),
    format('select id, jsonb_build_array(id) from public.ai_tasks where batch_id = %L and stage_key = %L order by id', :'batch_id', 'plan'),
    'each merge is in its input''s tree, under its root'
);

select * from finish();
rollback;
