-- Refuses JSON a worker could not read or that no pipeline needs: nested deeper than
-- json_depth, or holding a number of more than json_number_digits digits (Python refuses
-- to read an integer over 4300 digits, and a worker that cannot read a task cannot fail it
-- alone). Every user RPC that stores JSON a worker will read checks it here (OR021).
create function orchable._check_json_limits(p_value jsonb, p_what text)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
    v_depth bigint := orchable._limit('json_depth');
    v_digits bigint := orchable._limit('json_number_digits');
begin
    if p_value is null then
        return;
    end if;
    if jsonb_path_exists(p_value, format('strict $.**{%s}', v_depth + 1)::jsonpath) then
        raise exception '% is nested more than % levels deep', p_what, v_depth
            using errcode = 'OR021', detail = format('limit json_depth = %s', v_depth),
            hint = 'flatten the JSON; an operator can raise orchable.limits json_depth';
    end if;
    if jsonb_path_exists(
        p_value, 'strict $.** ? (@.type() == "number" && (@ >= $max || @ <= -$max))',
        jsonb_build_object('max', ('1e' || v_digits)::numeric)
    ) then
        raise exception '% holds a number of more than % digits', p_what, v_digits
            using errcode = 'OR021', detail = format('limit json_number_digits = %s', v_digits),
            hint = 'send such a number as a string';
    end if;
end
$$;

comment on function orchable._check_json_limits(jsonb, text) is
'Raises OR021 when JSON from a user is nested deeper than the json_depth limit or holds a number past json_number_digits digits.';
