begin;
select plan(2);

select throws_ok(
    $$ select public.upsert_orchestrator('{"name": "p", "owner_id": "alice", "entry": "a",
        "stages": [{"key": "a", "template": "x"}]}') $$,
    'OR001',
    'owner_id "alice" is not a user id',
    'an owner_id that is not a uuid is refused with OR001'
);
select is(
    (select count(*)::integer from public.orchestrators where name = 'p'), 0,
    'no orchestrator is created'
);

select * from finish();
rollback;
