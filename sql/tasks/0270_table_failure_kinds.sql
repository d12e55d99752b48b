-- What can go wrong with a claimed task, as the worker reports it (report_task_failure):
-- the database decides what each kind means for the task and stores its project code in
-- ai_tasks.error_code, so failures can be grouped by kind. The worker's enum of kinds
-- (orchable.db.worker_rpc.FailureKind) is tested against these rows.
create table orchable.failure_kinds (
    kind text primary key,
    error_code text not null,
    action text not null,
    description text not null,
    constraint failure_kinds_error_code_unique unique (error_code),
    constraint failure_kinds_error_code_is_a_project_code check (error_code ~ '^OR[0-9]{3}$'),
    constraint failure_kinds_action_known check (action in ('retry', 'fail', 'wait_for_key'))
);

comment on table orchable.failure_kinds is
'The failures a worker reports for a claimed task: each kind''s project code (stored in ai_tasks.error_code) and what the task does next: retry (after a backoff, while retries are left), fail (for good) or wait_for_key (back to plan until a key is usable, no retry spent).';

insert into orchable.failure_kinds (kind, error_code, action, description) values
('unreadable_task', 'OR018', 'fail', 'the worker cannot decode the task''s input, settings or schema'),
(
    'output_uncheckable', 'OR019', 'fail',
    'the output could not be checked against output_schema within the worker''s limits'
),
('overloaded', 'OR022', 'retry', 'the model was overloaded, as was every fallback model'),
('server_error', 'OR023', 'retry', 'the provider answered with a server error or the connection failed'),
('timeout', 'OR024', 'retry', 'no answer within the stage''s timeout'),
('invalid_output', 'OR025', 'retry', 'the answer is not JSON or does not match output_schema'),
('too_many_calls', 'OR026', 'retry', 'the worker''s cap on calls for one task in one claim was reached'),
('invalid_request', 'OR027', 'fail', 'the provider refused the request as malformed'),
('invalid_schema', 'OR028', 'fail', 'output_schema cannot be used to check an output (a pattern, a remote $ref)'),
('unknown_provider', 'OR029', 'fail', 'the stage names a provider the worker does not have'),
('no_usable_key', 'OR030', 'wait_for_key', 'every key of the owner for the provider is blocked, or none is active');
