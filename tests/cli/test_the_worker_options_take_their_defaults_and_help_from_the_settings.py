"""`orchable worker`'s options are the settings' fields: with no option given the worker
runs on exactly the settings' defaults, each option given reaches its field, and each
option's help is the one written beside the field (orchable.settings)."""

from __future__ import annotations

import pytest
from orchable.cli.main import build_parser
from orchable.settings import (
    ExecutorSettings,
    ProviderSettings,
    WorkerSettings,
    default_of,
    options,
)
from orchable.worker.run import settings_from_args

URL = "postgresql://worker@127.0.0.1/orchable"


@pytest.fixture(autouse=True)
def _no_settings_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ORCHABLE_OFFLINE", raising=False)
    monkeypatch.delenv("ORCHABLE_LISTEN_DATABASE_URL", raising=False)


def test_no_option_means_the_settings_defaults() -> None:
    args = build_parser().parse_args(["worker"])
    settings = settings_from_args(args, URL)
    assert settings == WorkerSettings(database_url=URL, worker_id=settings.worker_id)
    assert settings.worker_id.startswith("worker-")
    assert args.offline is ProviderSettings().offline


def test_each_option_given_reaches_its_field() -> None:
    given = "--concurrency 64 --claim-batch 8 --listen-url none --worker-id w-7 --drain"
    given += " --default-provider openai --offline"
    args = build_parser().parse_args(["worker", *given.split()])
    settings = settings_from_args(args, URL)
    assert (settings.concurrency, settings.claim_batch_size, settings.listen_url) == (64, 8, None)
    assert (settings.worker_id, settings.drain) == ("w-7", True)
    assert settings.executor.default_provider == "openai"
    assert args.offline is True


def test_the_environment_sets_the_defaults_it_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCHABLE_OFFLINE", "1")
    monkeypatch.setenv("ORCHABLE_LISTEN_DATABASE_URL", "postgresql://listen@127.0.0.1/o")
    args = build_parser().parse_args(["worker"])
    assert args.offline is True
    assert settings_from_args(args, URL).listen_url == "postgresql://listen@127.0.0.1/o"


def test_each_options_help_is_the_one_beside_its_field() -> None:
    worker = build_parser()._subparsers._group_actions[0].choices["worker"]  # type: ignore[union-attr]
    helps = {action.dest: action.help for action in worker._actions}
    for settings_class in (WorkerSettings, ExecutorSettings, ProviderSettings):
        for f in options(settings_class):
            assert helps[f.name].startswith(f.metadata["help"]), f.name
            default = default_of(f)
            if default not in (None, "", False):
                assert helps[f.name].endswith(f"({default})"), f.name
