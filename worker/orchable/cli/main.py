"""`orchable`: run workers and operate pipelines from the command line.

Every command reads DATABASE_URL (or --database-url); `worker` connects with
ORCHABLE_WORKER_DATABASE_URL when it is set (a login that has the orchable_worker role).
Connected directly there is no signed-in user: commands that create something owned
(pipeline apply, keys add, monitor add, endpoints add, access-keys create) take --owner or
ORCHABLE_OWNER_ID; keys list and the monitor, triggers, endpoints, notifications and
access-keys commands narrow what they list or look up to that owner if given.
"""

from __future__ import annotations

import argparse
import asyncio
import os

import psycopg
from rich.markup import escape

from orchable.cli.common import CliError, Command, console
from orchable.cli.interactions import cmd_inbox, cmd_respond
from orchable.cli.monitors import (
    cmd_monitor_add,
    cmd_monitor_list,
    cmd_monitor_pause,
    cmd_monitor_resume,
    cmd_monitor_run_now,
    cmd_monitor_runs,
    cmd_templates,
    cmd_triggers_add,
    cmd_triggers_list,
)
from orchable.cli.notifications import (
    cmd_access_keys_create,
    cmd_access_keys_list,
    cmd_access_keys_revoke,
    cmd_endpoints_add,
    cmd_endpoints_list,
    cmd_endpoints_test,
    cmd_notifications_list,
    cmd_notifications_redeliver,
)
from orchable.cli.pipelines import (
    cmd_approve,
    cmd_demo,
    cmd_keys_add,
    cmd_keys_list,
    cmd_launch,
    cmd_pipeline_apply,
    cmd_reject,
    cmd_retry,
    cmd_status,
    cmd_worker,
)
from orchable.cli.serve import add_serve_arguments, cmd_serve
from orchable.cli.watch import add_watch_arguments, cmd_watch
from orchable.logs import configure_logging
from orchable.settings import DEFAULT_LOG_LEVEL, Env
from orchable.worker.run import add_worker_arguments, event_loop_factory


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="orchable", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL URL (default: $DATABASE_URL)")
    parser.add_argument(
        "--log-level",
        default=os.environ.get(Env.LOG_LEVEL, DEFAULT_LOG_LEVEL),
        help=f"debug, info, warning or error (${Env.LOG_LEVEL}; {DEFAULT_LOG_LEVEL})",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        return sub

    worker = command("worker", cmd_worker, "claim and run tasks until stopped (SIGTERM/Ctrl-C)")
    add_worker_arguments(worker, os.environ)

    serve = command(
        "serve",
        cmd_serve,
        "serve answers by email link, webhook and Slack, and trigger_webhook, over HTTP"
        f" (${Env.SERVE_DATABASE_URL}: a login with the orchable_serve role)",
    )
    add_serve_arguments(serve)

    pipeline = commands.add_parser("pipeline", help="manage pipelines").add_subparsers(
        dest="pipeline_command", required=True, metavar="ACTION"
    )
    apply = pipeline.add_parser(
        "apply", help="create or update a pipeline from a YAML or JSON file"
    )
    apply.set_defaults(func=cmd_pipeline_apply)
    apply.add_argument("file")
    apply.add_argument("--owner", help="owner's user id when not signed in ($ORCHABLE_OWNER_ID)")

    launch = command(
        "launch", cmd_launch, "launch a batch: one input per JSON array element or line"
    )
    launch.add_argument("pipeline", help="pipeline name or id")
    launch.add_argument(
        "--inputs", required=True, help="JSON array or JSON lines file ('-': stdin)"
    )
    launch.add_argument("--name")
    launch.add_argument("--config", help="batch config as JSON, e.g. '{\"ai_settings\": {...}}'")
    launch.add_argument(
        "--budget-usd", type=float, help="pause the batch when its spend reaches this"
    )
    launch.add_argument(
        "--idempotency-key", help="launching again with this key returns the same batch"
    )

    status = command("status", cmd_status, "progress of the latest batches, or of the given ones")
    status.add_argument("batch", nargs="*", help="batch ids")
    status.add_argument("--watch", action="store_true", help="refresh until the batches finish")

    watch = command(
        "watch", cmd_watch, "follow a batch's timeline live until it finishes (exit 0: completed)"
    )
    add_watch_arguments(watch)

    approve = command(
        "approve", cmd_approve, "approve a generated task (optionally with an edited output)"
    )
    approve.add_argument("task")
    approve.add_argument("--output", help="file with the edited output (JSON or YAML)")

    reject = command("reject", cmd_reject, "reject a generated task: regenerate it, or fail it")
    reject.add_argument("task")
    reject.add_argument("--reason", required=True)
    reject.add_argument("--fail", action="store_true", help="fail the task instead of regenerating")

    retry = command(
        "retry", cmd_retry, "put a failed task (or every failed task of a batch) back to plan"
    )
    retry.add_argument("id", help="task id, or batch id with --batch")
    retry.add_argument("--batch", action="store_true")

    as_help = f"your user id (default: ${Env.OWNER_ID})"
    inbox = command("inbox", cmd_inbox, "the questions pipelines ask you, oldest first")
    inbox.add_argument("--as", dest="as_user", help=as_help)

    respond = command(
        "respond", cmd_respond, "see a question, or answer it: approve, reject, choose, answer"
    )
    respond.add_argument("interaction", help="its id (orchable inbox lists them)")
    respond.add_argument("--as", dest="as_user", help=as_help)
    answer = respond.add_mutually_exclusive_group()
    answer.add_argument("--approve", action="store_true", help="approve (approval, review)")
    answer.add_argument("--reject", metavar="REASON", help="reject, saying why")
    answer.add_argument("--choose", metavar="VALUE", help="pick one of the options (selection)")
    answer.add_argument("--answer", metavar="JSON|FILE", help="what is asked for (input)")
    respond.add_argument("--output", metavar="FILE", help="with --approve: the edited output")
    respond.add_argument(
        "--fail", action="store_true", help="with --reject: fail the task, not regenerate it"
    )
    respond.add_argument("--comment", help="a review's comment")
    respond.add_argument("--score", type=float, help="a review's score")

    keys = commands.add_parser("keys", help="the API key pool").add_subparsers(
        dest="keys_command", required=True, metavar="ACTION"
    )
    keys_add = keys.add_parser(
        "add", help="add a provider key (read from a prompt, stdin or --from-env)"
    )
    keys_add.set_defaults(func=cmd_keys_add)
    keys_add.add_argument("--provider", required=True, choices=["gemini", "openai"])
    keys_add.add_argument("--from-env", help="read the key from this environment variable")
    keys_add.add_argument("--name")
    keys_add.add_argument("--priority", type=int, default=0)
    keys_add.add_argument("--model", help="the model this key is meant for")
    keys_add.add_argument("--owner", help="owner's user id when not signed in ($ORCHABLE_OWNER_ID)")
    keys_list = keys.add_parser("list", help="keys with their health (never the key itself)")
    keys_list.set_defaults(func=cmd_keys_list)
    keys_list.add_argument("--owner")

    owner_help = "owner's user id when not signed in ($ORCHABLE_OWNER_ID)"
    monitor = commands.add_parser(
        "monitor", help="scheduled web checks that tell you when a condition holds"
    ).add_subparsers(dest="monitor_command", required=True, metavar="ACTION")
    monitor_add = monitor.add_parser(
        "add",
        help="add a monitor (or make one from a template: --template NAME --value key=value)",
    )
    monitor_add.set_defaults(func=cmd_monitor_add)
    monitor_add.add_argument("name", nargs="?", help="what you call it (a template names it)")
    monitor_add.add_argument("--query", help="what each run searches the web for")
    monitor_add.add_argument("--condition", help="when you want to be told")
    monitor_add.add_argument(
        "--schedule", help="five-field cron, e.g. '0 9 * * mon-fri', or @daily (a template's own)"
    )
    monitor_add.add_argument(
        "--timezone", default="UTC", help="the IANA zone the schedule is read in (UTC)"
    )
    monitor_add.add_argument(
        "--notify",
        choices=["once", "always", "track_state"],
        help="once (then done; the default), always (every run it holds), track_state (on change)",
    )
    monitor_add.add_argument("--model", help="the model that searches and judges")
    monitor_add.add_argument("--template", help="a template's name or id (orchable templates)")
    monitor_add.add_argument(
        "--value",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template placeholder's value (repeat for each)",
    )
    monitor_add.add_argument("--owner", help=owner_help)
    monitor_list = monitor.add_parser("list", help="monitors, their schedule and what they found")
    monitor_list.set_defaults(func=cmd_monitor_list)
    monitor_list.add_argument("--owner", help="only this user's monitors")
    monitor_runs = monitor.add_parser("runs", help="a monitor's latest runs, newest first")
    monitor_runs.set_defaults(func=cmd_monitor_runs)
    monitor_runs.add_argument("monitor", help="monitor id or name")
    monitor_runs.add_argument("--limit", type=int, default=10, help="how many runs (10)")
    monitor_runs.add_argument("--owner", help="look the name up among this user's monitors")
    for action, func, help_text in (
        ("pause", cmd_monitor_pause, "stop a monitor's schedule until resumed"),
        ("resume", cmd_monitor_resume, "schedule a paused or completed monitor again, from now"),
        ("run-now", cmd_monitor_run_now, "start a run now, whatever the schedule"),
    ):
        sub = monitor.add_parser(action, help=help_text, description=help_text)
        sub.set_defaults(func=func)
        sub.add_argument("monitor", help="monitor id or name")
        sub.add_argument("--owner", help="look the name up among this user's monitors")
        if action == "run-now":
            sub.add_argument(
                "--dry-run",
                action="store_true",
                help="notify no one and change nothing the monitor knows",
            )

    command("templates", cmd_templates, "the monitor templates, with their placeholders")

    triggers = commands.add_parser(
        "triggers", help="launch pipelines on a schedule"
    ).add_subparsers(dest="triggers_command", required=True, metavar="ACTION")
    triggers_add = triggers.add_parser(
        "add",
        help="launch a pipeline each time a cron schedule fires, or when another system"
        " calls trigger_webhook with an access key",
    )
    triggers_add.set_defaults(func=cmd_triggers_add)
    triggers_add.add_argument("pipeline", help="pipeline name or id")
    triggers_add.add_argument("name", help="what you call the trigger (unique per owner)")
    when = triggers_add.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", help="five-field cron, e.g. '0 2 * * *', or @daily")
    when.add_argument(
        "--webhook-key",
        metavar="KEY",
        help="an access key's id or name (orchable access-keys create): a webhook trigger",
    )
    triggers_add.add_argument(
        "--timezone",
        default="UTC",
        help="the IANA zone the schedule is read in, and batches are named in (UTC)",
    )
    triggers_add.add_argument(
        "--inputs",
        help="each launch's inputs: a JSON array or JSON lines file, or inline JSON ([{}])",
    )
    triggers_add.add_argument("--config", help="each launch's config as JSON (as launch takes)")
    triggers_add.add_argument("--owner", help="look the pipeline up among this user's")
    triggers_list = triggers.add_parser("list", help="triggers and their next launch")
    triggers_list.set_defaults(func=cmd_triggers_list)
    triggers_list.add_argument("--owner", help="only this user's triggers")

    endpoints = commands.add_parser(
        "endpoints", help="where you are told: webhooks and email addresses"
    ).add_subparsers(dest="endpoints_command", required=True, metavar="ACTION")
    endpoints_add = endpoints.add_parser(
        "add", help="add a webhook (its signing secret is shown once) or an email address"
    )
    endpoints_add.set_defaults(func=cmd_endpoints_add)
    endpoints_add.add_argument("name", help="what you call it (unique per owner)")
    where = endpoints_add.add_mutually_exclusive_group(required=True)
    where.add_argument("--webhook", metavar="URL", help="POST each notification to this URL")
    where.add_argument("--email", metavar="ADDRESS", help="mail each notification here")
    endpoints_add.add_argument(
        "--secret", help="the webhook's signing secret, whsec_... (default: one is made)"
    )
    endpoints_add.add_argument(
        "--quiet-hours",
        metavar="START-END",
        help="hold deliveries back in these hours, e.g. 22:00-07:00",
    )
    endpoints_add.add_argument(
        "--quiet-timezone", help="the IANA zone the quiet hours are read in (UTC)"
    )
    endpoints_add.add_argument("--owner", help=owner_help)
    endpoints_list = endpoints.add_parser("list", help="endpoints, and whether they are on")
    endpoints_list.set_defaults(func=cmd_endpoints_list)
    endpoints_list.add_argument("--owner", help="only this user's endpoints")
    endpoints_test = endpoints.add_parser(
        "test", help="send a test notification to one endpoint, now"
    )
    endpoints_test.set_defaults(func=cmd_endpoints_test)
    endpoints_test.add_argument("endpoint", help="endpoint id or name")
    endpoints_test.add_argument("--owner", help="look the name up among this user's endpoints")

    notifications = commands.add_parser(
        "notifications", help="what you were told, and its delivery to each endpoint"
    ).add_subparsers(dest="notifications_command", required=True, metavar="ACTION")
    notifications_list = notifications.add_parser(
        "list", help="the latest notifications, newest first, with their deliveries"
    )
    notifications_list.set_defaults(func=cmd_notifications_list)
    notifications_list.add_argument(
        "--limit", type=int, default=20, help="how many notifications (20)"
    )
    notifications_list.add_argument("--owner", help="only this user's notifications")
    notifications_redeliver = notifications.add_parser(
        "redeliver", help="try a dead delivery again from now"
    )
    notifications_redeliver.set_defaults(func=cmd_notifications_redeliver)
    notifications_redeliver.add_argument("delivery", help="delivery id (notifications list)")

    access_keys = commands.add_parser(
        "access-keys", help="keys other systems call trigger_webhook or sign in to the console with"
    ).add_subparsers(dest="access_keys_command", required=True, metavar="ACTION")
    access_keys_create = access_keys.add_parser(
        "create", help="make an access key (shown once; only its hash is kept)"
    )
    access_keys_create.set_defaults(func=cmd_access_keys_create)
    access_keys_create.add_argument("name", help="name it after the system that will hold it")
    access_keys_create.add_argument(
        "--scope",
        dest="scopes",
        action="append",
        choices=("trigger_webhook", "console"),
        help="what it may do (repeatable): trigger_webhook (the default: launch the webhook"
        " trigger it is bound to), console (sign in to orchable serve's console as you)",
    )
    access_keys_create.add_argument("--owner", help=owner_help)
    access_keys_list = access_keys.add_parser(
        "list", help="access keys (never the key itself) and what they launch"
    )
    access_keys_list.set_defaults(func=cmd_access_keys_list)
    access_keys_list.add_argument("--owner", help="only this user's keys")
    access_keys_revoke = access_keys.add_parser("revoke", help="refuse an access key from now on")
    access_keys_revoke.set_defaults(func=cmd_access_keys_revoke)
    access_keys_revoke.add_argument("key", help="access key id, or an unrevoked key's name")
    access_keys_revoke.add_argument("--owner", help="look the name up among this user's keys")

    demo = command(
        "demo", cmd_demo, "run the course-builder pipeline end to end and show the result"
    )
    demo.add_argument("--owner", help="the demo user's id ($ORCHABLE_OWNER_ID)")
    demo.add_argument("--pipeline", default="seeds/pipelines/course_builder.json")
    return parser


def describe(error: psycopg.Error) -> str:
    """A database error as one line: its message, [code], (detail); hint."""
    diag = error.diag
    message = diag.message_primary or str(error).strip()
    code = f" [{error.sqlstate}]" if error.sqlstate else ""
    detail = f" ({diag.message_detail})" if diag.message_detail else ""
    hint = f"; {diag.message_hint}" if diag.message_hint else ""
    text = f"{message}{code}{detail}{hint}"
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level)
    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            code: int = runner.run(args.func(args))
            return code
    except CliError as error:
        console.print(f"[red]orchable:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    except psycopg.OperationalError as error:
        first_line = (
            str(error).strip().splitlines()[0] if str(error).strip() else "connection failed"
        )
        console.print(
            f"[red]orchable:[/] cannot reach the database ({first_line}); "
            "check DATABASE_URL (locally: make db)",
            highlight=False,
        )
    except psycopg.Error as error:
        console.print(
            f"[red]orchable:[/] {escape(describe(error))}", highlight=False, soft_wrap=True
        )
    except KeyboardInterrupt:
        return 130
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
