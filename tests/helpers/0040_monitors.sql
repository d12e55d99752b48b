-- Monitors in pgTAP: a run's task ended as a worker ends it, with a verdict and the
-- grounding the worker reads from Gemini, or failed.
create or replace function tests.settle_monitor_run(
    p_execution_id uuid,
    p_condition_met boolean,
    p_state jsonb,
    p_grounded boolean default true
)
returns text
language sql
as $$
    select public.complete_task(
        e.task_id, tests.claim(e.task_id),
        jsonb_build_object(
            'answer', 'what the sources say', 'condition_met', p_condition_met,
            'reasoning', 'because the sources say so', 'current_state', p_state
        ),
        null,
        jsonb_build_object('grounding', case
            when p_grounded then jsonb_build_object(
                'grounded', true,
                'search_queries', jsonb_build_array('next iphone release date'),
                'sources', jsonb_build_array(jsonb_build_object('uri', 'https://example.test/news', 'title', 'example.test')),
                'supports', '[]'::jsonb,
                'search_entry_point', '<div class="container">suggestions</div>'
            )
            else jsonb_build_object('grounded', false, 'search_queries', '[]'::jsonb, 'sources', '[]'::jsonb)
        end)
    )
    from public.monitor_executions as e where e.id = p_execution_id
$$;

create or replace function tests.fail_monitor_run(p_execution_id uuid)
returns text
language sql
as $$
    select public.report_task_failure(e.task_id, tests.claim(e.task_id), 'invalid_request', '400: refused')
    from public.monitor_executions as e where e.id = p_execution_id
$$;

-- A monitor of the owner's, scheduled: create_monitor as the owner would call it.
create or replace function tests.create_monitor(
    p_owner_id uuid,
    p_notify_behavior text default 'once',
    p_config jsonb default '{}'
)
returns uuid
language sql
as $$
    select (public.create_monitor(
        'iphone', 'When will the next iPhone be released?', 'A release date has been announced',
        '0 9 * * mon-fri', 'Europe/Berlin', p_notify_behavior, p_config, p_owner_id
    )).id
$$;

-- A webhook endpoint of the owner's, its secret made by orchable; returns its id.
create or replace function tests.add_webhook(p_owner_id uuid, p_name text default 'hook')
returns uuid
language sql
as $$
    select e.id from public.add_notification_endpoint(
        'webhook', p_name, p_url => 'https://receiver.example.test/hooks', p_owner_id => p_owner_id
    ) as e
$$;
