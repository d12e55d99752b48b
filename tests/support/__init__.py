"""What the Python tests share, by what it provides:

- databases: the shared database and one of its own per test (cloned from a template),
  connections, acting as a role the way PostgREST does;
- users: users, made through tests.create_user;
- pipelines: the course builder and the single stage, defined once in tests/helpers/;
- tasks: launching batches, the worker's calls one transaction each, reading back tasks,
  calls and a batch's counters;
- keys: API keys and their health;
- threads: callables run at the same instant on connections of their own;
- workers: running a worker in this process or `orchable` as a subprocess, the real
  providers against the fake servers (tests/fakes/), and misbehaving providers and pools.

The fixtures that use them (database, admin, owner, worker_url) are in tests/conftest.py.
"""
