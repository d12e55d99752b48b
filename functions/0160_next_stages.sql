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
    cross join lateral jsonb_array_elements_text(t.stage_config -> 'next') with ordinality as k (stage_key, position)
    join public.prompt_templates as n
        on n.orchestrator_id = t.orchestrator_id and n.stage_key = k.stage_key and n.is_active
    where t.id = p_template_id
    order by k.position;
end
$$;

comment on function orchable._next_stages(text) is
'The active templates of the stages that follow a template''s stage, in the order its definition lists them.';
