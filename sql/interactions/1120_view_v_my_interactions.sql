-- The signed-in user's inbox: the open questions they may answer, oldest first, with what
-- they are about. RLS on human_interactions decides the rows (owner or responder).
create view public.v_my_interactions with (security_invoker = true) as
select
    i.id,
    i.interaction_type,
    i.priority,
    i.request_data ->> 'message' as message,
    i.request_data,
    i.required_approvals,
    i.approvals,
    i.timeout_at,
    i.on_timeout,
    i.channels,
    i.batch_id,
    b.name as batch_name,
    i.task_id,
    i.stage_key,
    i.created_at
from public.human_interactions as i
-- A responder who is not the owner cannot read the batch: its name is null for them.
left join public.task_batches as b on i.batch_id = b.id
where
    i.status = 'pending'
    and (i.owner_id = (select auth.uid()) or (select auth.uid()) = any(i.responder_ids))
order by i.created_at;

comment on view public.v_my_interactions is
'The signed-in user''s inbox: open interactions they own or may answer, oldest first.';
comment on column public.v_my_interactions.id is 'The interaction to answer (respond_to_interaction).';
comment on column public.v_my_interactions.interaction_type is 'approval, input, selection or review.';
comment on column public.v_my_interactions.priority is 'low, normal, high or critical.';
comment on column public.v_my_interactions.message is 'The question.';
comment on column public.v_my_interactions.request_data is 'Everything asked: the output, options, input_schema, allowed_decisions.';
comment on column public.v_my_interactions.required_approvals is 'Approvals needed.';
comment on column public.v_my_interactions.approvals is 'Approvals given so far.';
comment on column public.v_my_interactions.timeout_at is 'When time runs out (null: never).';
comment on column public.v_my_interactions.on_timeout is 'What then happens.';
comment on column public.v_my_interactions.channels is 'The channels it was asked through.';
comment on column public.v_my_interactions.batch_id is 'The batch of the task.';
comment on column public.v_my_interactions.batch_name is 'That batch''s name.';
comment on column public.v_my_interactions.task_id is 'The waiting task.';
comment on column public.v_my_interactions.stage_key is 'The stage that asks.';
comment on column public.v_my_interactions.created_at is 'When it was asked.';
