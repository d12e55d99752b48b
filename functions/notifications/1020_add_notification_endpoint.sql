-- SECURITY DEFINER: users may not write endpoints' secrets, nor read the key-encryption
-- keys; a webhook's secret is made here (or taken from the caller), kept encrypted and
-- shown once; a Slack endpoint's bot token and signing secret are the caller's, kept
-- encrypted and never shown again.
create function orchable_rpc.add_notification_endpoint(
    p_kind text,
    p_name text,
    p_url text default null,
    p_email_address text default null,
    p_secret text default null,
    p_quiet_hours_start time default null,
    p_quiet_hours_end time default null,
    p_quiet_hours_timezone text default 'UTC',
    p_owner_id uuid default null,
    p_slack_channel text default null,
    p_slack_bot_token text default null,
    p_slack_signing_secret text default null
)
returns table (id uuid, secret text)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    v_owner_id uuid := orchable._owner_for(p_owner_id, 'add_notification_endpoint');
    v_problem text;
begin
    secret := case when p_kind = 'webhook' then coalesce(
        p_secret, 'whsec_' || encode(extensions.gen_random_bytes(32), 'base64')
    ) end;
    v_problem := case
        when p_kind is null or p_kind not in ('webhook', 'email', 'slack') then 'p_kind must be webhook, email or slack'
        when coalesce(btrim(p_name), '') = '' or length(p_name) > 200 then 'p_name must be 1 to 200 characters'
        when p_kind = 'webhook' and (p_url is null or p_url !~ '^https?://[^\s]+$' or length(p_url) > 2000) then
            'a webhook needs p_url, an http(s) URL'
        when p_kind = 'webhook' and p_email_address is not null then 'a webhook takes no p_email_address'
        when p_kind = 'webhook' and (secret !~ '^whsec_[A-Za-z0-9+/]+={0,2}$'
            or length(decode(substr(secret, 7), 'base64')) not between 24 and 64) then
            'p_secret must be whsec_ and the base64 of 24 to 64 random bytes (or left out: one is made)'
        when p_kind = 'email' and (p_email_address is null or p_email_address !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$') then
            'an email endpoint needs p_email_address, an address'
        when p_kind = 'email' and (p_url is not null or p_secret is not null) then
            'an email endpoint takes no p_url and no p_secret'
        when p_kind <> 'slack' and coalesce(p_slack_channel, p_slack_bot_token, p_slack_signing_secret) is not null then
            'p_slack_channel, p_slack_bot_token and p_slack_signing_secret are for a slack endpoint'
        when p_kind = 'slack' and (p_url is not null or p_email_address is not null or p_secret is not null) then
            'a slack endpoint takes no p_url, p_email_address or p_secret'
        when p_kind = 'slack' and (p_slack_channel is null or p_slack_channel !~ '^[^\s]{1,80}$') then
            'a slack endpoint needs p_slack_channel, a channel id such as C0123ABCD (or #name)'
        when p_kind = 'slack' and (p_slack_bot_token is null or p_slack_bot_token !~ '^xoxb-[A-Za-z0-9-]{10,250}$') then
            'a slack endpoint needs p_slack_bot_token, the app''s bot token (xoxb-...)'
        when p_kind = 'slack' and (p_slack_signing_secret is null or p_slack_signing_secret !~ '^[A-Za-z0-9]{16,128}$') then
            'a slack endpoint needs p_slack_signing_secret, the app''s signing secret (Basic Information)'
        when (p_quiet_hours_start is null) <> (p_quiet_hours_end is null) then
            'quiet hours need both p_quiet_hours_start and p_quiet_hours_end'
        when exists (select from public.notification_endpoints as e where e.owner_id = v_owner_id and e.name = btrim(p_name)) then
            format('an endpoint named %s exists', quote_literal(btrim(p_name)))
    end;
    if v_problem is not null then
        raise exception 'invalid notification endpoint: %', v_problem
            using errcode = 'OR003',
            hint = 'add_notification_endpoint(''webhook'', name, p_url => ...), (''email'', name, p_email_address => ...) or (''slack'', name, p_slack_channel => ..., p_slack_bot_token => ..., p_slack_signing_secret => ...)';
    end if;
    if p_quiet_hours_start is not null then
        perform orchable._check_schedule('@daily', p_quiet_hours_timezone);
    end if;
    id := gen_random_uuid();
    insert into public.notification_endpoints (
        id, owner_id, kind, name, url, email_address, secret_encrypted, secret_prefix,
        quiet_hours_start, quiet_hours_end, quiet_hours_timezone, slack_channel, signing_secret_encrypted
    )
    values (
        id, v_owner_id, p_kind, btrim(p_name), p_url, p_email_address,
        case
            when secret is not null then orchable._encrypt_api_key(secret)
            when p_kind = 'slack' then orchable._encrypt_api_key(p_slack_bot_token)
        end,
        case when p_kind = 'slack' then left(p_slack_bot_token, 9) else left(secret, 12) end,
        p_quiet_hours_start, p_quiet_hours_end, coalesce(p_quiet_hours_timezone, 'UTC'), p_slack_channel,
        case when p_kind = 'slack' then orchable._encrypt_api_key(p_slack_signing_secret) end
    );
    return next;
end
$$;

-- The RPC PostgREST exposes runs with the caller's rights and hands over to the
-- implementation above, so no SECURITY DEFINER function lives in an exposed schema.
create function public.add_notification_endpoint(
    p_kind text,
    p_name text,
    p_url text default null,
    p_email_address text default null,
    p_secret text default null,
    p_quiet_hours_start time default null,
    p_quiet_hours_end time default null,
    p_quiet_hours_timezone text default 'UTC',
    p_owner_id uuid default null,
    p_slack_channel text default null,
    p_slack_bot_token text default null,
    p_slack_signing_secret text default null
)
returns table (id uuid, secret text)
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
    return query select * from orchable_rpc.add_notification_endpoint(
        p_kind, p_name, p_url, p_email_address, p_secret, p_quiet_hours_start, p_quiet_hours_end,
        p_quiet_hours_timezone, p_owner_id, p_slack_channel, p_slack_bot_token, p_slack_signing_secret
    );
end
$$;

comment on function orchable_rpc.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
) is
'The implementation of public.add_notification_endpoint, run with its owner''s rights; callable by the roles that may call public.add_notification_endpoint.';

comment on function public.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
) is
'Adds where the signed-in user (service_role: p_owner_id) is told: a webhook at p_url, signed as Standard Webhooks signs (p_secret, whsec_..., or one is made), an email to p_email_address, or a Slack channel (p_slack_channel, the app''s bot token p_slack_bot_token and signing secret p_slack_signing_secret, both kept encrypted); optional quiet hours defer deliveries (never checks). Returns the id and, for a webhook, its secret: the only time it is shown. Bad arguments raise OR003, a bad quiet-hours zone OR031.';

revoke all on function orchable_rpc.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
)
from public, anon, authenticated, service_role;
revoke all on function public.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
)
from public, anon, authenticated, service_role;
grant execute on function orchable_rpc.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
)
to authenticated, service_role;
grant execute on function public.add_notification_endpoint(
    text, text, text, text, text, time, time, text, uuid, text, text, text
)
to authenticated, service_role;
