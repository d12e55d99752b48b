"""The run's settings, from the command line."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from chaos.shapes import NAMES, Shape, build

ROOT = Path(__file__).resolve().parent.parent
# The fake Gemini server's answers by default: the rest are good JSON that fits the schema.
MIX = {
    "rate_limited": 0.10,
    "server_error": 0.05,
    "not_json": 0.05,
    "schema_breaking": 0.05,
    "slow": 0.02,
}
# What --mix may name: the faults a task recovers from by retrying. Not invalid_key (it
# switches a key off for good) nor invalid_request (it fails a task at once, no retry).
FAULTS = ("rate_limited", "server_error", "overloaded", "not_json", "schema_breaking", "slow")


@dataclass(frozen=True)
class Settings:
    inputs: int
    fanout: int
    workers: int
    concurrency: int
    keys: int
    seed: int
    deadline: float  # seconds, the whole run
    lease_seconds: int
    call_timeout: float  # the stages' ai_settings.timeout_seconds
    slow_seconds: float  # how long a 'slow' answer hangs (past call_timeout)
    latency: float  # every other answer's delay
    retry_after: float  # Retry-After of the fake's rate limits
    max_retries: int
    kill_every: tuple[float, float]
    cut_every: tuple[float, float]
    order_slack: float  # see accounting.py: event-loop lag allowed when ordering calls
    database: str  # created and deployed unless the URLs come from the environment
    mix: dict[str, float]  # the fake's answers: fault -> share
    shape: Shape  # the pipeline (shapes.py)
    # The approver (shapes with stages that wait for a person, approver.py): when it looks
    # at the waiting tasks, and the shares of its decisions that reject to regenerate,
    # reject for good, and approve an edited output (the rest approve as generated).
    approve_every: tuple[float, float]
    regenerate_share: float
    reject_share: float
    edit_share: float
    # The hostile tenant (hostile.py): on or off, its flood in times the honest inputs,
    # and the inputs of each of its attack batches.
    hostile: bool
    flood: int
    attack_inputs: int

    @property
    def mix_arg(self) -> str:
        return ",".join(f"{name}={share:g}" for name, share in self.mix.items())


def _pair(text: str) -> tuple[float, float]:
    low, _, high = text.partition("-")
    pair = (float(low), float(high or low))
    if not 0 < pair[0] <= pair[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: expected MIN-MAX seconds, 0 < MIN <= MAX")
    return pair


def _mix(text: str) -> dict[str, float]:
    mix: dict[str, float] = {}
    for part in filter(None, text.split(",")):
        name, _, share = part.partition("=")
        if name not in FAULTS:
            raise argparse.ArgumentTypeError(f"{name!r}: not a fault; known: {', '.join(FAULTS)}")
        try:
            mix[name] = float(share)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{part!r}: expected FAULT=SHARE") from None
        if not 0 <= mix[name] <= 1:
            raise argparse.ArgumentTypeError(f"{part!r}: a share is between 0 and 1")
    if sum(mix.values()) >= 1:
        raise argparse.ArgumentTypeError("the shares must leave room for good answers (sum < 1)")
    return mix


def _share(text: str) -> float:
    share = float(text)
    if not 0 <= share <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: a share is between 0 and 1")
    return share


def parse(argv: list[str] | None = None) -> Settings:
    p = argparse.ArgumentParser(
        prog="chaos/run.py",
        description="Kill workers, cut their connections and break the model's answers while "
        "one batch runs; then check that nothing was lost, duplicated or left unaccounted.",
    )
    p.add_argument("--inputs", type=int, default=2000, help="inputs in the batch (2000)")
    p.add_argument("--fanout", type=int, default=2, help="items per split (2)")
    p.add_argument("--workers", type=int, default=4, help="worker processes alive at once (4)")
    p.add_argument("--concurrency", type=int, default=32, help="calls at once per worker (32)")
    p.add_argument("--keys", type=int, default=12, help="Gemini keys in the pool (12, >= 4)")
    p.add_argument("--seed", type=int, default=1, help="seeds the fake's mix and the chaos (1)")
    p.add_argument("--deadline", type=float, default=360.0, help="seconds for the run (360)")
    p.add_argument("--lease-seconds", type=int, default=10, help="workers' lease (10)")
    p.add_argument("--call-timeout", type=float, default=2.0, help="per call, seconds (2)")
    p.add_argument("--slow-seconds", type=float, default=8.0, help="a slow answer hangs (8)")
    p.add_argument("--latency", type=float, default=0.1, help="delay of other answers (0.1)")
    p.add_argument("--retry-after", type=float, default=3.0, help="of the fake's 429s (3)")
    p.add_argument("--max-retries", type=int, default=3, help="stages' max_retries (3)")
    p.add_argument("--kill-every", type=_pair, default=(2.0, 5.0), help="MIN-MAX s (2-5)")
    p.add_argument("--cut-every", type=_pair, default=(3.0, 8.0), help="MIN-MAX s (3-8)")
    p.add_argument(
        "--order-slack",
        type=float,
        default=2.0,
        help="event-loop lag allowed when telling which of two calls ended first (2 s)",
    )
    p.add_argument("--database", default="orchable_chaos", help="database name (orchable_chaos)")
    default_mix = ",".join(f"{name}={share:g}" for name, share in MIX.items())
    p.add_argument(
        "--mix",
        type=_mix,
        default=dict(MIX),
        help=f"the fake's faults, FAULT=SHARE,... of {', '.join(FAULTS)} ({default_mix})",
    )
    p.add_argument(
        "--shape",
        choices=NAMES,
        default="split-merge",
        help="the pipeline (chaos/shapes.py): split-merge (outline -> items -> merge), chain"
        " (4 stages, 1:1), nested (a split in a split, merged twice), approval (stages that"
        " wait for a person, whom the run plays) (split-merge)",
    )
    p.add_argument(
        "--approve-every",
        type=_pair,
        default=(0.2, 2.0),
        help="approval shape: the approver looks at the waiting tasks every MIN-MAX s (0.2-2)",
    )
    p.add_argument(
        "--regenerate-share",
        type=_share,
        default=0.1,
        help="approval shape: share of decisions that reject and regenerate (0.1)",
    )
    p.add_argument(
        "--reject-share",
        type=_share,
        default=0.02,
        help="approval shape: share of decisions that reject for good (0.02)",
    )
    p.add_argument(
        "--edit-share",
        type=_share,
        default=0.05,
        help="approval shape: share of decisions that approve an edited output (0.05)",
    )
    p.add_argument(
        "--no-hostile",
        dest="hostile",
        action="store_false",
        help="leave out the hostile tenant (chaos/hostile.py), on by default",
    )
    p.add_argument(
        "--flood",
        type=int,
        default=10,
        help="hostile tenant: its flood of offline inputs, in times --inputs, launched ahead"
        " of the honest batch (10; 0: none)",
    )
    p.add_argument(
        "--attack-inputs",
        type=int,
        default=5,
        help="hostile tenant: inputs of each batch it launches on a template or schema of"
        " the security review (5)",
    )
    a = p.parse_args(argv)
    if a.keys < 4 or a.workers < 1 or a.inputs < 1 or a.fanout < 1:
        p.error("need --keys >= 4, --workers >= 1, --inputs >= 1, --fanout >= 1")
    if a.flood < 0 or a.attack_inputs < 1:
        p.error("need --flood >= 0 and --attack-inputs >= 1")
    if a.regenerate_share + a.reject_share + a.edit_share >= 1:
        p.error("--regenerate-share + --reject-share + --edit-share must be < 1")
    if a.slow_seconds <= a.call_timeout:
        p.error("--slow-seconds must exceed --call-timeout (slow answers hang past it)")
    return Settings(
        inputs=a.inputs,
        fanout=a.fanout,
        workers=a.workers,
        concurrency=a.concurrency,
        keys=a.keys,
        seed=a.seed,
        deadline=a.deadline,
        lease_seconds=a.lease_seconds,
        call_timeout=a.call_timeout,
        slow_seconds=a.slow_seconds,
        latency=a.latency,
        retry_after=a.retry_after,
        max_retries=a.max_retries,
        kill_every=a.kill_every,
        cut_every=a.cut_every,
        order_slack=a.order_slack,
        database=a.database,
        mix=a.mix,
        shape=build(a.shape, a.fanout),
        approve_every=a.approve_every,
        regenerate_share=a.regenerate_share,
        reject_share=a.reject_share,
        edit_share=a.edit_share,
        hostile=a.hostile,
        flood=a.flood,
        attack_inputs=a.attack_inputs,
    )
