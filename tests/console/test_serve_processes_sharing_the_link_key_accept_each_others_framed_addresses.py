"""Two serve processes of one deployment given the same ORCHABLE_CONSOLE_LINK_KEY sign a
run's framed address alike, so a page served by one frames it from the other; without
it, each process signs with a key of its own, never written anywhere."""

from __future__ import annotations

import uuid

from orchable.console import ConsoleEnv, ConsoleSettings
from orchable.console.suggestions import signed_path


def test_serve_processes_sharing_the_link_key_accept_each_others_framed_addresses():
    run, user, now = uuid.uuid4(), uuid.uuid4(), 1_800_000_000.0
    shared = {ConsoleEnv.LINK_KEY: "one secret of this deployment, 32 characters or more"}
    first, second = ConsoleSettings.from_env(shared), ConsoleSettings.from_env(shared)
    assert signed_path(first.link_key, run, user, now) == signed_path(
        second.link_key, run, user, now
    )
    assert shared[ConsoleEnv.LINK_KEY].encode() not in first.link_key

    alone, other = ConsoleSettings.from_env({}), ConsoleSettings.from_env({})
    assert signed_path(alone.link_key, run, user, now) != signed_path(
        other.link_key, run, user, now
    )
    assert "link_key" not in repr(alone)
