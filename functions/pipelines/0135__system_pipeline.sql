-- A pipeline orchable makes for an owner on first use (their monitors' runs, the reading of
-- their free-text answers): found by its name among the owner's pipelines, else made from
-- p_definition (upsert_orchestrator's argument, its owner_id given here). It is an
-- ordinary pipeline of theirs: its costs and tasks show as any other's, and an owner who
-- edits it edits what orchable runs there.
create function orchable._system_pipeline(p_owner_id uuid, p_definition jsonb)
returns uuid
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid;
begin
    select o.id into v_id from public.orchestrators as o
    where o.owner_id = p_owner_id and o.name = p_definition ->> 'name';
    if found then
        return v_id;
    end if;
    return (orchable_rpc.upsert_orchestrator(p_definition || jsonb_build_object('owner_id', p_owner_id))).id;
end
$$;

comment on function orchable._system_pipeline(uuid, jsonb) is
'The id of the owner''s pipeline named p_definition ->> ''name'', made from p_definition on first use (the monitors'' and the answers'' pipelines).';
