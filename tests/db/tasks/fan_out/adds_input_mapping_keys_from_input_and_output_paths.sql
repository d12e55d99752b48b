begin;
select plan(2);

select tests.create_user('owner@example.test') as owner_id \gset
select id as orchestrator_id from public.upsert_orchestrator(jsonb_build_object(
    'name', 'mapped', 'owner_id', :'owner_id', 'entry', 'draft',
    'stages', '[{"key": "draft", "template": "Draft {{topic}}", "next": ["review"]},
                {"key": "review", "template": "Review {{text}}", "input_mapping": {
                    "topic": "input.topic", "city": "input.place.city", "title": "output.meta.title",
                    "lost": "input.nowhere.deep", "first_tag": "output.tags.0", "everything": "input"}}]'::jsonb
)) \gset
select id as batch_id from public.launch_batch(:'orchestrator_id', '[{"topic": "cats", "place": {"city": "Oslo"}}]') \gset
select tests.task_id(:'batch_id', 'draft') as draft_id \gset

select tests.complete(:'draft_id', '{"text": "Cats purr.", "meta": {"title": "Purring"}, "tags": ["pets", "sound"]}');

select is(
    (select input_data from public.ai_tasks where parent_task_id = :'draft_id'),
    '{"text": "Cats purr.", "meta": {"title": "Purring"}, "tags": ["pets", "sound"],
      "topic": "cats", "city": "Oslo", "title": "Purring", "lost": null, "first_tag": "pets",
      "everything": {"topic": "cats", "place": {"city": "Oslo"}}}'::jsonb,
    'mapped keys are read from the parent''s input and output; a missing path gives null'
);
select ok(
    (select input_data ? 'lost' from public.ai_tasks where parent_task_id = :'draft_id'),
    'a key whose path is missing is still present'
);

select * from finish();
rollback;
