begin;
select plan(7);

select tests.create_user('owner@example.com') as owner_id \gset
select tests.authenticate_as(:'owner_id');
select added.*, added.api_key_encrypted is null as no_ciphertext
from public.add_api_key(
    p_provider => 'Gemini', p_api_key => '  AIzaSyABCDEFGHIJKLMNOP1234  ', p_key_name => 'main',
    p_priority => 5, p_model_preference => 'gemini-2.5-flash'
) as added \gset added_

select ok(:'added_no_ciphertext', 'the returned row carries no ciphertext (null)');
select is(:'added_key_prefix'::text, 'AIza…1234', 'the prefix shows the first 4 and last 4 characters only');
select is(:'added_owner_id'::uuid, :'owner_id'::uuid, 'the key belongs to the signed-in user');
select is(:'added_provider'::text, 'gemini', 'the provider is stored in lower case');
select is(
    concat_ws(' ', :'added_key_name', :'added_priority', :'added_model_preference', :'added_is_active'),
    'main 5 gemini-2.5-flash t'::text,
    'name, priority and model preference are stored, and the key is active'
);
select results_eq(
    $$select key_name, key_prefix from public.user_api_keys$$,
    $$values ('main', 'AIza…1234')$$,
    'the owner sees the masked prefix'
);
select tests.clear_authentication();
select is(
    (select key_name from public.add_api_key('openai', 'sk-proj-abcdefghijklmnopqrstuvwxyz', p_owner_id => :'owner_id')),
    'openai sk-p…wxyz',
    'without a name, the key is named after its provider and prefix'
);

select * from finish();
rollback;
