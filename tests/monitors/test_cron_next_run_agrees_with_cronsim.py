"""public.cron_next_run agrees with cronsim, the Python package that follows Debian cron's
daylight-saving rules: asked again from each run it gives, it gives the same next runs as
cronsim.CronSim(expression, start in the zone). The expressions cover every feature; the
zones have whole-hour, half-hour (Lord Howe) and 45-minute (Chatham) shifts, transitions at
midnight (Santiago) and none (UTC, Kolkata); the starts are instants around every
transition of 2026-2028, and random ones.

Two answers of cronsim are not followed, by design (functions/monitors/0900_cron_next_run.sql):
- A fixed-time schedule asked from the second pass of a repeated hour: cronsim answers with
  a time of the first pass, before the start. cron_next_run gives cronsim's next answer
  after the start instead, so the runs before the start are dropped here.
- A schedule that is not fixed-time, where cronsim's step to the top of an hour lands before
  a transition that is not on the hour (Pacific/Chatham) and it goes back in time (for ever):
  from there cron_next_run gives the wall times that match, instant by instant, which a
  minute-by-minute scan checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from cronsim import CronSim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.databases import Database

# cronsim has no macros: it is given what they stand for.
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

EXPRESSIONS = [
    # minutes: every, steps, ranges with steps, lists, a value with a step
    "* * * * *",
    "*/5 * * * *",
    "*/7 * * * *",
    "1-30/4 * * * *",
    "0,15,30,45 * * * *",
    "5/15 * * * *",
    "45 * * * *",
    # hours: every (both passes of a repeated hour) or fixed (one), steps, ranges, lists
    "0 * * * *",
    "30 * * * *",
    "0 */2 * * *",
    "0 */3 * * *",
    "15 1-3 * * *",
    "0 0-23/2 * * *",
    "*/15 2 * * *",
    "*/10 1,2,3 * * *",
    "* 3 * * *",
    "*/11 3 * * *",
    "0-59/13 2-3 * * *",
    "0,45 2,3 * * *",
    "*/30 0 * * *",
    # fixed times in and around the hours daylight saving skips or repeats
    "30 2 * * *",
    "45 2 * * *",
    "15 2 * * *",
    "0 2 * * *",
    "0 3 * * *",
    "30 1 * * *",
    "0 0 * * *",
    "59 23 * * *",
    "0 9 * * mon-fri",
    "0,30 9-17 * * 1-5",
    "20,40 8-10/2,22 * * *",
    # days: leap day, day of month OR day of week, a day-of-month field starting with *
    "0 0 29 2 *",
    "0 0 1,15 * 5",
    "0 0 13 * fri",
    "0 0 */2 * 5",
    "0 12 1 * *",
    "0 12 31 * *",
    "0 0 30 2 mon",
    "0 1 * * sun",
    "*/15 0,1 * * sun",
    # months and weekdays: names, ranges, steps, 7 as Sunday
    "0 6 * jan,jul *",
    "0 6 1 jan-mar/2 *",
    "*/20 */4 * apr,sep,oct *",
    "0 0 * * 7",
    "0 0 * * 0",
    "0 0 * * SUN",
    "0 0 * * 5-7",
    "0 12 * * mon/2",
    "0 0 * * 6",
    *MACROS,
]

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "America/Santiago",
    "Pacific/Chatham",
]

RUNS = 6  # the runs compared from each start


def transitions(zone: str) -> list[datetime]:
    """The instants of 2026-2028 at which the zone's offset changes (each on a quarter hour)."""
    tz = ZoneInfo(zone)

    def offset(instant: datetime) -> timedelta | None:
        return instant.astimezone(tz).utcoffset()

    found = []
    hour = datetime(2026, 1, 1, tzinfo=UTC)
    while hour < datetime(2029, 1, 1, tzinfo=UTC):
        if offset(hour) != offset(hour + timedelta(hours=1)):
            quarter = hour + timedelta(minutes=15)
            while offset(quarter) == offset(hour):
                quarter += timedelta(minutes=15)
            found.append(quarter)
        hour += timedelta(hours=1)
    return found


TRANSITIONS = {zone: transitions(zone) for zone in ZONES}
DST_ZONES = [zone for zone in ZONES if TRANSITIONS[zone]]


@pytest.fixture(scope="module")
def db(shared_database: Database) -> Iterator[psycopg.Connection]:
    """cron_next_run reads and writes nothing: the shared database serves every test."""
    with psycopg.connect(shared_database.admin_url, autocommit=True) as conn:
        yield conn


def orchable_runs(db: psycopg.Connection, expr: str, start: datetime, zone: str) -> list[datetime]:
    """cron_next_run from start, then from each run it gives."""
    with db.transaction():
        row = db.execute(
            """
            with recursive runs (n, at) as (
                select 1, public.cron_next_run(%(expr)s, %(start)s, %(zone)s)
                union all
                select r.n + 1, public.cron_next_run(%(expr)s, r.at, %(zone)s)
                from runs as r where r.n < %(count)s
            )
            select array_agg(at order by n) from runs
            """,
            {"expr": expr, "start": start, "zone": zone, "count": RUNS},
        ).fetchone()
    assert row is not None
    return list(row[0])


def fields_of(expr: str) -> str:
    return MACROS.get(expr, expr)


def is_fixed_time(expr: str) -> bool:
    minute, hour = fields_of(expr).split()[:2]
    return not minute.startswith("*") and not hour.startswith("*")


def cronsim_runs(expr: str, start: datetime, zone: str) -> list[datetime]:
    """cronsim's runs after start, up to RUNS, and up to the first that goes back in time."""
    sim = CronSim(fields_of(expr), start.astimezone(ZoneInfo(zone)))
    runs: list[datetime] = []
    while len(runs) < RUNS:
        run = next(sim).astimezone(UTC)
        if is_fixed_time(expr) and run <= start:
            continue  # a time of the first pass of a repeated hour, asked from the second
        if run <= (runs[-1] if runs else start):
            break
        runs.append(run)
    return runs


def wall_clock_runs(expr: str, after: datetime, zone: str, count: int) -> list[datetime]:
    """The first count instants after `after`, within three days, whose wall time matches
    the expression (by cronsim's own matchers), minute by minute."""
    tz = ZoneInfo(zone)
    sim = CronSim(fields_of(expr), after.astimezone(tz))
    runs = []
    instant = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while len(runs) < count and instant < after + timedelta(days=3):
        wall = instant.astimezone(tz)
        if (
            wall.minute in sim.minutes
            and wall.hour in sim.hours
            and wall.month in sim.months
            and sim.match_day(wall.date())
        ):
            runs.append(instant)
        instant += timedelta(minutes=1)
    return runs


def check(db: psycopg.Connection, expr: str, start: datetime, zone: str) -> None:
    got = orchable_runs(db, expr, start, zone)
    tz = ZoneInfo(zone)

    def shown(runs: list[datetime]) -> list[str]:
        return [run.astimezone(tz).isoformat() for run in runs]

    where = f"{expr!r} in {zone} after {start.astimezone(tz).isoformat()}"
    assert all(a < b for a, b in zip([start, *got], got, strict=False)), (
        f"{where}: not strictly increasing: {shown(got)}"
    )
    expected = cronsim_runs(expr, start, zone)
    if len(expected) < RUNS:
        # cronsim went back in time: the wall times that match, from its last good run on.
        assert not is_fixed_time(expr), f"{where}: cronsim went back in time: {shown(expected)}"
        expected += wall_clock_runs(
            expr, expected[-1] if expected else start, zone, RUNS - len(expected)
        )
        got = got[: len(expected)]
    assert shown(got) == shown(expected), where


@pytest.mark.parametrize("zone", DST_ZONES)
def test_every_expression_agrees_with_cronsim_around_each_transition(db, zone: str) -> None:
    for transition in TRANSITIONS[zone]:
        # before the change; in the skipped or first repeated time; in the second pass
        for start in (
            transition - timedelta(minutes=90),
            transition - timedelta(minutes=1),
            transition + timedelta(minutes=20),
        ):
            for expr in EXPRESSIONS:
                check(db, expr, start, zone)


def start_instants(zone: str) -> st.SearchStrategy[datetime]:
    anywhere = st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    )
    if not TRANSITIONS[zone]:
        return anywhere
    near = st.builds(
        lambda transition, seconds: transition + timedelta(seconds=seconds),
        st.sampled_from(TRANSITIONS[zone]),
        st.integers(-36 * 3600, 36 * 3600),
    )
    return st.one_of(near, near.map(lambda at: at.replace(second=0)), anywhere)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=st.sampled_from(EXPRESSIONS), zone=st.sampled_from(ZONES), data=st.data())
def test_any_expression_agrees_with_cronsim_from_any_start(
    db, expr: str, zone: str, data: st.DataObject
) -> None:
    check(db, expr, data.draw(start_instants(zone), label="start"), zone)
