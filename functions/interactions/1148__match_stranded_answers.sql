-- Answers orchable serve stored but never matched (it stopped, or lost its database, after
-- storing one; Slack's are matched after Slack has its reply) are matched here, on the
-- verdict serve stored with them, once they are a minute old: none is lost. Rows a serve
-- is matching right now are locked, and skipped.
create function orchable._match_stranded_answers(p_now timestamptz, p_limit bigint)
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
    v_id uuid;
    v_matched integer := 0;
begin
    for v_id in
        select r.id
        from public.hil_responses as r
        where r.status = 'unprocessed' and r.reason is null and r.received_at < p_now - interval '1 minute'
        order by r.received_at
        limit p_limit
        for update skip locked
    loop
        perform orchable_rpc.match_hil_response(v_id);
        v_matched := v_matched + 1;
    end loop;
    return v_matched;
end
$$;

comment on function orchable._match_stranded_answers(timestamptz, bigint) is
'Matches (tick) the answers stored at least a minute before p_now and never matched, at most p_limit, on the signature verdict stored with them; returns how many.';
