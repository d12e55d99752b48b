-- llm_calls has no foreign keys (see its table): this does what the key's "on delete set
-- null" did, once per statement. A call being recorded with the key meanwhile holds it
-- FOR KEY SHARE, so the key is deleted after that transaction ends and this statement
-- sees the call. SECURITY DEFINER: an owner deletes their key, not rows of llm_calls.
create function orchable.tg_user_api_keys__forget_in_llm_calls()
returns trigger
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
    update public.llm_calls as c
    set api_key_id = null
    where c.api_key_id in (select o.id from old_keys as o);
    return null;
end
$$;

comment on function orchable.tg_user_api_keys__forget_in_llm_calls() is
'Statement trigger: the LLM calls made with the keys a statement deleted no longer name them.';

create trigger user_api_keys_40_forget_in_llm_calls
after delete on public.user_api_keys
referencing old table as old_keys
for each statement
execute function orchable.tg_user_api_keys__forget_in_llm_calls();
