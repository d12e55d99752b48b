begin;
select plan(1);

select throws_ok(
    $$ select public.upsert_orchestrator(jsonb_build_object('name', 'p', 'owner_id', tests.create_user('o@example.test'),
        'entry', 'a', 'stages', jsonb_build_array(jsonb_build_object('key', 'a', 'template', 'x', 'next', jsonb_build_array(null))))) $$,
    'OR001',
    'stage "a" has a next with an element that is not a stage key (a string)',
    'a next element that is not a string is refused, and the error says so'
);

select * from finish();
rollback;
