"""Every setting of the worker and the CLI, once: its default, its help, the environment
variable that sets it. `orchable worker`'s options are built from the fields below that
carry a flag (`orchable.cli.main`), so a default is written here and nowhere else."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import MISSING, Field, dataclass, field, fields
from typing import Any


class Env:
    """The environment variables orchable reads."""

    DATABASE_URL = "DATABASE_URL"  # every command's database (or --database-url)
    WORKER_DATABASE_URL = "ORCHABLE_WORKER_DATABASE_URL"  # a login with the orchable_worker role
    LISTEN_DATABASE_URL = "ORCHABLE_LISTEN_DATABASE_URL"  # session-mode URL for LISTEN
    OWNER_ID = "ORCHABLE_OWNER_ID"  # the owner of what a command creates, when not signed in
    LOG_LEVEL = "ORCHABLE_LOG_LEVEL"
    OFFLINE = "ORCHABLE_OFFLINE"  # 1: offer the offline provider
    GEMINI_BASE_URL = "ORCHABLE_GEMINI_BASE_URL"
    GOOGLE_GEMINI_BASE_URL = "GOOGLE_GEMINI_BASE_URL"  # google-genai's own name for it
    OPENAI_BASE_URL = "ORCHABLE_OPENAI_BASE_URL"
    GEMINI_API_KEY = "GEMINI_API_KEY"  # the demo runs on Gemini with it
    # Email notifications: none are sent without a host and a From address.
    SMTP_HOST = "ORCHABLE_SMTP_HOST"
    SMTP_PORT = "ORCHABLE_SMTP_PORT"  # default: 587 with STARTTLS, else 25
    SMTP_USERNAME = "ORCHABLE_SMTP_USERNAME"
    SMTP_PASSWORD = "ORCHABLE_SMTP_PASSWORD"
    SMTP_FROM = "ORCHABLE_SMTP_FROM"
    SMTP_STARTTLS = "ORCHABLE_SMTP_STARTTLS"  # 1: required; 0: never; unset: if offered
    # Where people reach `orchable serve` (email answer links, webhook answer URLs).
    PUBLIC_URL = "ORCHABLE_PUBLIC_URL"
    SLACK_API_URL = "ORCHABLE_SLACK_API_URL"  # Slack's Web API (tests: a local fake)
    SERVE_DATABASE_URL = "ORCHABLE_SERVE_DATABASE_URL"  # a login with the orchable_serve role


DEFAULT_LOG_LEVEL = "info"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8787"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"

# Models used when a stage's ai_settings name none.
DEFAULT_MODELS = {"gemini": "gemini-2.5-flash", "openai": "gpt-4.1-mini", "offline": "offline"}


def env_flag(environ: Mapping[str, str], name: str) -> bool:
    """An environment variable set to 1, true, yes or on."""
    return environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def option(default: Any, help: str, flag: str, **more: Any) -> Any:
    """A field that `orchable worker` offers as `flag`, with this help and default."""
    return field(default=default, metadata={"flag": flag, "help": help, **more})


def options(settings_class: type) -> list[Field[Any]]:
    """The fields of a settings class that are command-line options."""
    return [f for f in fields(settings_class) if "flag" in f.metadata]


def default_of(f: Field[Any]) -> Any:
    return None if f.default is MISSING else f.default


@dataclass(frozen=True)
class ExecutorSettings:
    default_provider: str = option(
        "gemini", "provider of stages that name none", "--default-provider"
    )
    default_models: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MODELS))
    call_timeout_seconds: float = 120.0
    # Upper bound on calls for one task in one claim (keys rotated, models tried).
    max_calls_per_claim: int = 25
    # An output is checked against output_schema off the event loop: one whose check has not
    # ended after this long, or larger than this encoded, fails as output_uncheckable (OR019).
    check_timeout_seconds: float = 30.0
    max_checked_output_bytes: int = 16 * 1024 * 1024
    # A grounded_search task on a model whose name starts with one of these searches and
    # answers in output_schema in one call; on any other (Gemini 2.x refuses a response
    # schema with the search tool), or when the model refuses it, in two: a grounded
    # answer in prose, then the verdict from it.
    single_pass_search_models: tuple[str, ...] = ("gemini-3",)


@dataclass(frozen=True)
class ProviderSettings:
    offline: bool = option(
        False,
        f"offer the offline provider (demo, tests, benchmarks; ${Env.OFFLINE}=1)",
        "--offline",
    )
    offline_latency_seconds: float = option(
        0.0, "seconds per offline call (tests, benchmarks)", "--offline-latency"
    )
    gemini_base_url: str | None = None
    openai_base_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> ProviderSettings:
        """Base URLs and --offline's default from the environment; `overrides` win."""
        return cls(
            **{
                "offline": env_flag(environ, Env.OFFLINE),
                "gemini_base_url": environ.get(Env.GEMINI_BASE_URL)
                or environ.get(Env.GOOGLE_GEMINI_BASE_URL)
                or None,
                "openai_base_url": environ.get(Env.OPENAI_BASE_URL) or None,
                **overrides,
            }
        )


@dataclass(frozen=True)
class DeliverySettings:
    """How the worker delivers notifications (orchable.worker.deliveries): webhooks over
    HTTP, emails through the SMTP server named in the environment."""

    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str | None = None
    smtp_starttls: bool | None = None  # None: STARTTLS when the server offers it
    smtp_timeout_seconds: float = 30.0
    # Standard Webhooks advises 15 to 30 s; no answer within it is a failed attempt.
    webhook_timeout_seconds: float = 15.0
    # Where `orchable serve` is reached: interaction emails link to {public_url}/answer/...,
    # interaction webhooks carry {public_url}/hooks/endpoints/{id}/answers.
    public_url: str = DEFAULT_PUBLIC_URL
    # Slack's Web API (chat.postMessage), through slack_sdk; a try's timeout.
    slack_api_url: str = DEFAULT_SLACK_API_URL
    slack_timeout_seconds: float = 15.0
    claim_size: int = 10  # deliveries per claim
    concurrency: int = 20  # deliveries being sent at once
    # Longer than either timeout: a delivery is reported before another worker may take it.
    lease_seconds: int = 60
    poll_interval_seconds: float = 5.0

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_host and self.smtp_from)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> DeliverySettings:
        """The SMTP server from the environment (Env.SMTP_*); `overrides` win."""
        port = environ.get(Env.SMTP_PORT, "").strip()
        starttls = environ.get(Env.SMTP_STARTTLS, "").strip()
        return cls(
            **{
                "smtp_host": environ.get(Env.SMTP_HOST) or None,
                "smtp_port": int(port) if port else None,
                "smtp_username": environ.get(Env.SMTP_USERNAME) or None,
                "smtp_password": environ.get(Env.SMTP_PASSWORD) or None,
                "smtp_from": environ.get(Env.SMTP_FROM) or None,
                "smtp_starttls": env_flag(environ, Env.SMTP_STARTTLS) if starttls else None,
                "public_url": environ.get(Env.PUBLIC_URL) or DEFAULT_PUBLIC_URL,
                "slack_api_url": environ.get(Env.SLACK_API_URL) or DEFAULT_SLACK_API_URL,
                **overrides,
            }
        )


def _delivery_settings_from_os_environ() -> DeliverySettings:
    return DeliverySettings.from_env(os.environ)


def default_worker_id() -> str:
    """A name for locked_by and task events, which task owners read: random, so that it
    tells them nothing about the hosts workers run on. The worker logs it at start with
    its host and process id, for operators."""
    return f"worker-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class WorkerSettings:
    database_url: str
    # Session-mode (or direct) URL for LISTEN; "" means database_url; None polls only.
    listen_url: str | None = option(
        "",
        f"session-mode URL for LISTEN (${Env.LISTEN_DATABASE_URL}; default: the worker's URL;"
        " 'none' to poll only)",
        "--listen-url",
    )
    concurrency: int = option(16, "LLM calls at once", "--concurrency")
    claim_batch_size: int | None = option(
        None, "tasks per claim (default: the concurrency, at most 32)", "--claim-batch"
    )
    lease_seconds: int = option(300, "lease per claim, in seconds", "--lease-seconds")
    poll_interval_seconds: float = option(
        5.0, "seconds between claims when no NOTIFY comes", "--poll-seconds"
    )
    worker_id: str = field(
        default_factory=default_worker_id,
        metadata={
            "flag": "--worker-id",
            "help": "name in locked_by and events, which owners read (default: random)",
        },
    )
    shutdown_grace_seconds: float = option(
        30.0, "seconds to finish the calls in flight when stopped", "--shutdown-grace"
    )
    drain: bool = option(False, "exit once nothing is runnable or in flight", "--drain")
    # A draining worker never ticks (drain is for tests and demos).
    tick_seconds: float = option(
        5.0,
        "seconds between the worker's calls to tick() (0: never; pg_cron ticks instead)",
        "--tick-seconds",
    )
    # A draining worker never delivers either.
    deliver_notifications: bool = option(
        True, "deliver notifications to webhooks and email addresses", "--deliver"
    )
    executor: ExecutorSettings = field(default_factory=ExecutorSettings)
    delivery: DeliverySettings = field(default_factory=_delivery_settings_from_os_environ)

    @property
    def effective_listen_url(self) -> str | None:
        if self.listen_url is None:
            return None
        return self.listen_url or self.database_url

    @property
    def effective_claim_batch_size(self) -> int:
        """At most 32 by default: the calls of one claim start together and their answers
        come back together, a burst the worker works through while every other answer
        waits; smaller claims spread the calls out (bench/llm_bound.py at concurrency 256:
        0.5 of the ideal with claims of 256, 0.7 with claims of 32)."""
        return max(1, min(self.claim_batch_size or min(self.concurrency, 32), 1000))


@dataclass(frozen=True)
class ServeSettings:
    """`orchable serve`: the HTTP server of answers (email links, webhook and Slack
    callbacks) and of trigger_webhook, bound to loopback unless told otherwise."""

    database_url: str
    host: str = option("127.0.0.1", "address to listen on (loopback unless told)", "--host")
    port: int = option(8787, "port to listen on", "--port")
    # Bodies larger than this are refused (413) before anything is read further.
    max_body_bytes: int = 256 * 1024
    pool_max_size: int = 10
    # Standard Webhooks' and Slack's tolerance for a signature's timestamp.
    signature_tolerance_seconds: int = 300
