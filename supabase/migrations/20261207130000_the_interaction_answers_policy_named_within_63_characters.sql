-- policies/interactions/1110_interaction_answers.sql: the policy's name had been cut to
-- PostgreSQL's 63 characters; it now reads whole.
alter policy "Owners read every answer to their interactions and responders t" on public.interaction_answers
rename to "Owners and responders read the answers that concern them";
