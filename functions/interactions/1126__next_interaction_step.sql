-- When tick() next acts on an open interaction: its next reminder, its next escalation
-- step or its timeout, whichever comes first; null when none is left.
create function orchable._next_interaction_step(p_interaction public.human_interactions)
returns timestamptz
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
    select least(
        p_interaction.created_at + (p_interaction.policy -> 'reminders' ->> p_interaction.reminders_sent)::interval,
        p_interaction.created_at
            + (p_interaction.policy -> 'escalation' -> p_interaction.escalation_level ->> 'after')::interval,
        p_interaction.timeout_at
    )
$$;

comment on function orchable._next_interaction_step(public.human_interactions) is
'The time of an interaction''s next reminder, escalation step or timeout, whichever is first; null when none is left.';
