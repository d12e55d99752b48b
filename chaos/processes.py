"""The processes a run starts: the fake Gemini server, the workers and the hostile
tenant's HTTP listener. Each runs in its own session (a process group) and dies with this
process (PR_SET_PDEATHSIG), so nothing is left behind even when the run itself is killed.
Workers run with their data segment limited (WORKER_DATA_LIMIT), as a container would
limit them: a runaway allocation (an attack the hostile tenant tries) fails in that
worker instead of taking the machine."""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chaos.database import with_application_name
from chaos.settings import ROOT, Settings

PYTHON = sys.executable
_PR_SET_PDEATHSIG = 1
SHUTDOWN_GRACE = 5.0  # the workers' --shutdown-grace
WORKER_DATA_LIMIT = 2 << 30  # bytes, RLIMIT_DATA (a chaos worker uses under 200 MB)


def _die_with_parent() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _worker_limits() -> None:
    _die_with_parent()
    resource.setrlimit(resource.RLIMIT_DATA, (WORKER_DATA_LIMIT, WORKER_DATA_LIMIT))


def _spawn(
    command: list[str],
    log: Path,
    env: dict[str, str],
    stdout: int | None = None,
    setup: Callable[[], None] = _die_with_parent,
) -> subprocess.Popen[str]:
    with log.open("w") as err:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=stdout if stdout is not None else err,
            stderr=err,
            text=True,
            start_new_session=True,
            preexec_fn=setup,  # safe: this process starts no threads
        )


def _signal_group(proc: subprocess.Popen[str], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


@dataclass
class FakeServer:
    proc: subprocess.Popen[str]
    url: str
    request_log: Path

    def stop(self) -> None:
        _signal_group(self.proc, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            _signal_group(self.proc, signal.SIGKILL)
            self.proc.wait()


def start_fake(settings: Settings, logdir: Path) -> FakeServer:
    request_log = logdir / "gemini-requests.jsonl"
    command = [
        PYTHON, "-m", "tests.fakes.gemini_server", "--port", "0",
        "--latency", str(settings.latency), "--slow", str(settings.slow_seconds),
        "--mix", settings.mix_arg, "--seed", str(settings.seed),
        "--retry-after", str(settings.retry_after), "--log-file", str(request_log),
    ]  # fmt: skip
    proc = _spawn(command, logdir / "gemini-server.log", dict(os.environ), subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("http://127.0.0.1:"):
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        raise RuntimeError(f"the fake Gemini server did not start (printed {line!r})")
    return FakeServer(proc, line, request_log)


@dataclass
class Listener:
    """An HTTP server on 127.0.0.1 (python -m http.server) serving `documents`: the target
    of the hostile tenant's remote `$ref`s. Its log (stderr) has a line per request, or per
    connection it could not read as one; nothing else."""

    proc: subprocess.Popen[str]
    url: str
    log: Path

    def requests(self) -> list[str]:
        """What it logged: one line per request ('... "GET /x HTTP/1.1" 200 -')."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def stop(self) -> None:
        _signal_group(self.proc, signal.SIGKILL)
        self.proc.wait()


def start_listener(documents: dict[str, str], logdir: Path) -> Listener:
    """Serves each name -> text of `documents` from a directory of its own."""
    served = logdir / "listener-documents"
    served.mkdir()
    for name, text in documents.items():
        (served / name).write_text(text)
    command = [
        PYTHON, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(served),
    ]  # fmt: skip
    log = logdir / "listener.log"
    proc = _spawn(command, log, dict(os.environ), subprocess.PIPE)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    port = re.search(r"port (\d+)", line)
    if port is None:
        _signal_group(proc, signal.SIGKILL)
        proc.wait()
        raise RuntimeError(f"the HTTP listener did not start (printed {line!r})")
    return Listener(proc, f"http://127.0.0.1:{port.group(1)}", log)


@dataclass
class WorkerProcess:
    """One worker process. `name` is its worker id, its application_name in
    pg_stat_activity and the path prefix of its calls to the fake server."""

    index: int
    name: str
    proc: subprocess.Popen[str]
    log: Path
    started_at: float  # time.time()
    ended_at: float | None = None
    end: str | None = None  # 'sigkill', 'sigterm' or 'exited' (on its own: a failure)
    cuts: list[float] = field(default_factory=list)  # when its connections were cut

    @property
    def alive(self) -> bool:
        return self.end is None

    def freeze(self) -> None:
        """SIGSTOP: it holds what it holds, changes nothing, until killed."""
        _signal_group(self.proc, signal.SIGSTOP)

    def kill(self) -> None:
        """SIGKILL, as an OOM killer or a lost machine would."""
        _signal_group(self.proc, signal.SIGKILL)
        self.ended_at, self.end = time.time(), "sigkill"
        self.proc.wait()

    def exited_on_its_own(self) -> bool:
        if self.alive and self.proc.poll() is not None:
            self.ended_at, self.end = time.time(), "exited"
            return True
        return False

    def wait_started(self, timeout: float) -> None:
        """Waits (at most `timeout` s) until the worker says it started: a SIGTERM before
        its Python code runs would kill it, as it would any process, which is not what the
        final SIGTERM checks."""
        deadline = time.monotonic() + timeout
        while self.alive and self.proc.poll() is None and time.monotonic() < deadline:
            if "worker_started" in self.log.read_text(errors="replace"):
                return
            time.sleep(0.1)

    def send_term(self) -> None:
        """SIGTERM: the worker finishes or hands back its tasks, then exits 0. Once only: a
        second SIGTERM means "stop now", and may land after its handler is gone."""
        if self.alive:
            _signal_group(self.proc, signal.SIGTERM)

    def wait_term(self, timeout: float) -> None:
        """Waits for the exit after send_term(); SIGKILL (end 'sigterm-timeout') after
        `timeout` s."""
        if not self.alive:
            return
        try:
            self.proc.wait(timeout)
            self.end = "sigterm"
        except subprocess.TimeoutExpired:
            _signal_group(self.proc, signal.SIGKILL)
            self.proc.wait()
            self.end = "sigterm-timeout"
        self.ended_at = time.time()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def last_words(self) -> str:
        """The last line of its log that is not blank (a traceback's ends with the error)."""
        lines = [line.strip() for line in self.log_tail(50).splitlines() if line.strip()]
        return lines[-1][:200] if lines else "(empty log)"


def start_worker(
    index: int, settings: Settings, worker_url: str, fake_url: str, logdir: Path
) -> WorkerProcess:
    name = f"chaos-w{index}"
    env = {
        **os.environ,
        "ORCHABLE_WORKER_DATABASE_URL": with_application_name(worker_url, name),
        "ORCHABLE_GEMINI_BASE_URL": f"{fake_url}/{name}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DATABASE_URL", None)
    command = [
        PYTHON, "-m", "orchable.cli", "worker", "--worker-id", name,
        "--concurrency", str(settings.concurrency),
        "--lease-seconds", str(settings.lease_seconds), "--poll-seconds", "1",
        "--shutdown-grace", str(SHUTDOWN_GRACE), "--default-provider", "gemini",
    ]  # fmt: skip
    if settings.hostile:  # its stages name the offline provider, which workers offer on request
        command.append("--offline")
    log = logdir / f"{name}.log"
    return WorkerProcess(
        index, name, _spawn(command, log, env, setup=_worker_limits), log, time.time()
    )


def kill_all(
    fake: FakeServer | None, workers: list[WorkerProcess], listener: Listener | None = None
) -> None:
    """The last resort on every path out: nothing this run started stays alive."""
    if listener is not None and listener.proc.poll() is None:
        listener.stop()
    for worker in workers:
        if worker.proc.poll() is None:
            _signal_group(worker.proc, signal.SIGKILL)
            worker.proc.wait()
    if fake is not None and fake.proc.poll() is None:
        _signal_group(fake.proc, signal.SIGKILL)
        fake.proc.wait()
