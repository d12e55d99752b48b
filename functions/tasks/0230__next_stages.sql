-- A template version's next stages are the versions its next_stage_template_ids name:
-- upsert_orchestrator sets them on every active version, and a version that is replaced
-- keeps the ones it had. So a task of an older version goes on along the graph it was
-- created in, and a pipeline applied again while its tasks run breaks none of them.
create function orchable._next_stages(p_template_id text)
returns setof public.prompt_templates
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
    return query
    select n.*
    from public.prompt_templates as t
    cross join lateral unnest(t.next_stage_template_ids) with ordinality as k (template_id, position)
    join public.prompt_templates as n on n.id = k.template_id
    where t.id = p_template_id
    order by k.position;
end
$$;

comment on function orchable._next_stages(text) is
'The template versions that follow a template version (its next_stage_template_ids), in the order its definition lists them.';
