-- A one-input batch whose "draft" stage asks people p_interaction about p_output (the
-- draft is claimed and completed here, so its task waits in generated); "publish" follows.
drop function if exists tests.ask(uuid, jsonb, jsonb);
create or replace function tests.ask(
    p_owner_id uuid,
    p_interaction jsonb,
    p_output jsonb default '{"text": "a draft"}',
    out batch_id uuid,
    out task_id uuid,
    out interaction_id uuid
)
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
declare
    v_orchestrator_id uuid;
begin
    v_orchestrator_id := (public.upsert_orchestrator(jsonb_build_object(
        'name', 'asks ' || gen_random_uuid(), 'owner_id', p_owner_id, 'entry', 'draft',
        'stages', jsonb_build_array(
            jsonb_build_object('key', 'draft', 'template', 'Draft {{topic}}', 'interaction', p_interaction,
                'max_retries', 0, 'next', jsonb_build_array('publish')),
            jsonb_build_object('key', 'publish', 'template', 'Publish {{text}}'))
    ))).id;
    select b.id into batch_id from public.launch_batch(v_orchestrator_id, '[{"topic": "cats"}]') as b;
    task_id := tests.task_id(batch_id, 'draft');
    perform tests.complete(task_id, p_output);
    select i.id into interaction_id from public.human_interactions as i where i.task_id = ask.task_id and i.status = 'pending';
end
$$;
