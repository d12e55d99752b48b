"""The name a worker gives itself by default reaches task owners (ai_tasks.locked_by, the
claim events), so it says nothing about the host: the worker logs which host and process
it is when it starts, for operators."""

from __future__ import annotations

import os
import socket

from orchable.settings import default_worker_id


def test_a_worker_names_itself_in_locked_by_without_its_host():
    names = {default_worker_id() for _ in range(20)}

    assert len(names) == 20, "each worker process gets a name of its own"
    for name in names:
        assert socket.gethostname() not in name
        assert str(os.getpid()) not in name
