-- The console that `orchable serve` serves (worker/orchable/console) runs every query as
-- the signed-in user, as PostgREST does: in a transaction, `set local role authenticated`
-- with the user's claims, so row-level security decides what it shows and the RPCs decide
-- what it may change. Like Supabase's authenticator, orchable_serve may switch to
-- authenticated but does not inherit its privileges: as itself it still reads no table.
alter role orchable_serve noinherit;
do $$
begin
    -- Roles belong to the cluster: another database may have granted it already.
    if not pg_catalog.pg_has_role('orchable_serve', 'authenticated', 'member') then
        grant authenticated to orchable_serve;
    end if;
end
$$;
