-- ai_tasks.prompt_template_id has no foreign key (see its table): a stage version stays
-- as long as its pipeline and its owner do, and goes with them (their deletes cascade to
-- the pipeline's tasks too), so no task names a version that is gone. SECURITY DEFINER:
-- the check reads auth.users, which the deleting role may not.
create function orchable.tg_prompt_templates__keep_versions()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_template_id text;
begin
    select o.id into v_template_id
    from old_templates as o
    where exists (select from public.orchestrators as p where p.id = o.orchestrator_id)
        and exists (select from auth.users as u where u.id = o.owner_id)
    order by o.id
    limit 1;
    if found then
        raise exception 'stage version % cannot be deleted while its pipeline exists', v_template_id
            using errcode = 'OR017',
            detail = 'A stage version is the record of what its tasks ran (ai_tasks.prompt_template_id).',
            hint = 'Delete the pipeline (orchestrators), which takes its versions, batches and tasks, '
                || 'or change the stage with upsert_orchestrator, which makes a new version.';
    end if;
    return null;
end
$$;

comment on function orchable.tg_prompt_templates__keep_versions() is
'Statement trigger: refuses to delete a stage version while its pipeline and its owner exist.';

create trigger prompt_templates_10_keep_versions
after delete on public.prompt_templates
referencing old table as old_templates
for each statement
execute function orchable.tg_prompt_templates__keep_versions();
