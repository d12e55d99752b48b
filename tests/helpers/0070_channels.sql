-- Helpers of the channel tests: acting as `orchable serve`, Slack and email endpoints, and
-- the answer-link token a worker's claim of an interaction's email hands out.
grant usage on schema tests to orchable_serve;
grant usage on schema extensions to orchable_serve;

create or replace function tests.authenticate_as_serve()
returns void
language sql
as $$
    select set_config('role', 'orchable_serve', true), set_config('request.jwt.claims', '', true)
$$;

create or replace function tests.add_email(p_owner_id uuid, p_address text, p_name text default 'mail')
returns uuid
language sql
as $$
    select e.id from public.add_notification_endpoint(
        'email', p_name, p_email_address => p_address, p_owner_id => p_owner_id
    ) as e
$$;

create or replace function tests.add_slack(
    p_owner_id uuid,
    p_name text default 'slack',
    p_signing_secret text default '8f742231b10e8888abcd99yyyzzz85a5'
)
returns uuid
language sql
as $$
    select e.id from public.add_notification_endpoint(
        'slack', p_name, p_owner_id => p_owner_id, p_slack_channel => 'C0123ABCD',
        p_slack_bot_token => 'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
        p_slack_signing_secret => p_signing_secret
    ) as e
$$;

-- Claims every due delivery as a worker would and returns the answer-link token of the
-- interaction's email to p_address (null when there is none).
create or replace function tests.link_token(p_interaction_id uuid, p_address text)
returns text
language plpgsql
as $$
declare
    v_token text;
begin
    select c.link_token into v_token
    from public.claim_notification_deliveries('tests', 100, 60) as c
    where c.email_address = p_address and (c.payload ->> 'interaction_id')::uuid = p_interaction_id;
    return v_token;
end
$$;
