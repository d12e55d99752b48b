begin;
select plan(8);

select is(orchable._json_schema_error('{"type": "object", "required": ["a"]}', '{}'), '$ has no a', 'a missing required key');
select is(orchable._json_schema_error('{"type": "integer"}', '1.5'), '$ is number, not integer', 'a fraction is no integer');
select is(orchable._json_schema_error('{"type": "integer"}', '2'), null, 'a whole number is');
select is(orchable._json_schema_error('{"properties": {"a": {"enum": ["x", "y"]}}}', '{"a": "z"}'), '$.a must be one of ["x", "y"]',
    'an enum, at its path');
select is(orchable._json_schema_error('{"type": "array", "items": {"type": "string", "maxLength": 2}}', '["ab", "abc"]'),
    '$[1] is longer than 2 characters', 'an item of an array');
select is(orchable._json_schema_error('{"additionalProperties": false, "properties": {"a": {}}}', '{"a": 1, "b": 2}'),
    '$ has b, which the schema does not allow', 'additionalProperties false');
select is(orchable._json_schema_error('{"type": "string", "pattern": "^[a-z]+$"}', '"Abc"'), '$ does not match ^[a-z]+$', 'a pattern');
select is(orchable._json_schema_unsupported('{"properties": {"a": {"anyOf": []}}}'), 'keyword "anyOf"',
    'a keyword it cannot check is named, however deep');

select * from finish();
rollback;
