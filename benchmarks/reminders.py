"""Figure 4: a reminder round for 10 000 managers and staff, planned, queued and paced.

The county of :mod:`benchmarks.world` with one manager per unit (594) and its other staff
(about 9 500), everyone on Telegram. At 09:00 on Monday 1.9.2025 the 2025-T2 reporting period
opens (an opening message to every manager) and the staff survey's third round of the year
opens (an invitation to every staff member): one scheduler tick,
:meth:`bot.ticker.Ticker.tick`, sends about 10 000 messages.

1. Plan and queue: the tick with a deliverer that accepts each message at once, so what is
   timed is the planning, the claim of every message in the database before it is sent and
   the record of each outcome. The floor shown beside it is a bulk insert of as many rows into
   the same table (what claiming costs at the very least).
2. Paced: the same tick through :class:`~bot.telegram_transport.TelegramTransport` and
   python-telegram-bot against the fake Bot API enforcing Telegram's limits (30 messages a
   second over all chats, one a second per chat; 429 above them) with a time scale: the fake
   counts ``TIME_SCALE`` seconds for each real one, and the bot's rate limiter is built with the
   same scale (:func:`bot.telegram_transport.flood_limiter`). Every call is logged with its
   time; the figures are in scaled seconds.
3. Meanwhile, one manager writes ``/help`` every :data:`PROBE_EVERY` scaled seconds until the
   round ends: how long someone who writes during a round waits for the reply. Their chat is
   left out of the round's count and length (it also holds the replies), not out of the
   busiest second (Telegram counts replies too).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, text
from telegram.ext import BaseRateLimiter
from telegram.request import RequestData

from benchmarks.common import Row, median, ratio, timed
from benchmarks.replay import Feeder
from benchmarks.world import Member, add_people, county_config, prepare
from bot.telegram_transport import TelegramTransport
from bot.ticker import Ticker
from collectors.app import build_engine
from collectors.config import AppConfig
from collectors.messages import Delivery, DeliveryOutcome
from storage.db import Database
from storage.notify_models import Notification
from tests.fakebotapi import FakeBotApi, InProcessRequest
from tests.support import Clock

OPEN = datetime(2025, 9, 1, 6, 0, tzinfo=UTC)  # 09:00 in Helsinki
TOKEN = "123:BENCH"
SECRET = b"benchmark-secret"
TIME_SCALE = 4.0
PER_SECOND = 30
PLAN_LIMIT_SECONDS = 2.0
FIRST_USER = 500_000
PROBE_USER = FIRST_USER
"""The manager who writes to the bot during the paced round (the first unit's)."""
PROBE_EVERY = 20.0
"""Scaled seconds between a manager's messages during the paced round."""
PROBES = 100
"""At most this many of them (the round ends long before)."""


def reminder_config() -> AppConfig:
    """The county with the staff survey's rounds in January, May and September."""
    survey = {
        "id": "staff",
        "name": {"fi": "Henkilöstökysely", "sv": "Personalenkät", "en": "Staff survey"},
        "rounds": {"every_months": 4, "first_month": 1},
    }
    return county_config(surveys={"definitions": [survey]})


def members(config: AppConfig) -> list[Member]:
    """One manager per unit and its other staff (the unit's staff count less one)."""
    out: list[Member] = []
    user = FIRST_USER
    for unit in config.organisation.units:
        if unit.kind != "unit":
            continue
        out.append(Member(user, "manager", unit.id))
        user += 1
        for _n in range((unit.staff_count or 1) - 1):
            out.append(Member(user, "staff", unit.id))
            user += 1
    return out


@contextlib.contextmanager
def world(config: AppConfig) -> Iterator[tuple[Path, int]]:
    """A SQLite file with the county and its people; yields its path and the head count."""
    with tempfile.TemporaryDirectory(prefix="omabot-bench-") as folder:
        path = Path(folder) / "world.db"
        db = prepare(Database(f"sqlite:///{path}"), config)
        people = members(config)
        add_people(db, people)
        db.dispose()
        yield path, len(people)


@contextlib.contextmanager
def copy_of(path: Path) -> Iterator[Database]:
    """A fresh copy of the world database."""
    with tempfile.TemporaryDirectory(prefix="omabot-bench-") as folder:
        target = Path(folder) / "run.db"
        shutil.copy(path, target)
        db = Database(f"sqlite:///{target}")
        try:
            yield db
        finally:
            db.dispose()


class Instant:
    """A deliverer that accepts every message at once (for the plan-and-queue figure)."""

    transport = "telegram"

    def __init__(self) -> None:
        self.count = 0

    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        """Accept the message."""
        self.count += 1
        return DeliveryOutcome.SENT


def _plan_once(path: Path, config: AppConfig, expected: int) -> tuple[float, float]:
    """The seconds of the round's tick, and of the next minute's tick, which finds it all sent."""
    with copy_of(path) as db:
        deliverer = Instant()
        ticker = Ticker(db, config, [deliverer], clock=lambda: OPEN, secret=SECRET)
        start = time.perf_counter()
        report = asyncio.run(ticker.tick(OPEN))
        seconds = time.perf_counter() - start
        sent = report.reminders.sent + report.survey_messages - report.survey_failures
        if sent != expected or deliverer.count != expected:
            raise RuntimeError(f"the tick sent {sent} messages, expected {expected}")
        start = time.perf_counter()
        asyncio.run(ticker.tick(OPEN + timedelta(minutes=1)))
        again = time.perf_counter() - start
    if deliverer.count != expected:
        raise RuntimeError(f"the next tick sent {deliverer.count - expected} messages again")
    return seconds, again


def _bulk_floor(path: Path, count: int) -> float:
    with copy_of(path) as db:
        table = Notification.__table__  # type: ignore[attr-defined]
        rows = [
            {"key": f"floor:{n}", "person_id": None, "kind": "survey", "step": "open"}
            | {"created_at": OPEN, "status": "claimed"}
            for n in range(count)
        ]

        def insert_all() -> None:
            with db.session() as session:
                session.execute(insert(table), rows)
                session.execute(delete(table).where(text("key LIKE 'floor:%'")))

        insert_all()
        return median(timed(insert_all, 3))


class TimedRequest(InProcessRequest):
    """The in-process request that logs ``(monotonic time, method, status, chat)`` of each call.

    The method is logged in lower case: Telegram reads method names in any case, and the bot
    sends its texts as ``sendmessage`` (:func:`bot.telegram_render.post`).
    """

    def __init__(self, api: FakeBotApi) -> None:
        super().__init__(api)
        self.log: list[tuple[float, str, int, Any]] = []

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = InProcessRequest.DEFAULT_NONE,
        write_timeout: Any = InProcessRequest.DEFAULT_NONE,
        connect_timeout: Any = InProcessRequest.DEFAULT_NONE,
        pool_timeout: Any = InProcessRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Answer through the fake and log the call."""
        status, body = await super().do_request(url, method, request_data)
        chat = request_data.parameters.get("chat_id") if request_data is not None else None
        self.log.append((time.monotonic(), url.rsplit("/", 1)[-1].lower(), status, chat))
        return status, body


@dataclass(frozen=True)
class Paced:
    """What the paced round did, in scaled seconds."""

    messages: int
    expected: int
    failed: int
    refused: int
    busiest_second: int
    length: float
    wall: float
    replies: tuple[float, ...] = ()
    """Scaled seconds from a person's message during the round to the bot's reply."""

    @property
    def ideal(self) -> float:
        """The round's length at exactly 30 messages a second."""
        return self.expected / PER_SECOND


def busiest_window(times: list[float], window: float = 1.0) -> int:
    """The most events in any half-open window of ``window`` seconds."""
    best, first = 0, 0
    for last, moment in enumerate(times):
        while times[first] <= moment - window:
            first += 1
        best = max(best, last - first + 1)
    return best


async def _paced(
    db: Database, config: AppConfig, expected: int, limiter: BaseRateLimiter[Any], scale: float
) -> Paced:
    api = FakeBotApi(TOKEN)
    request = TimedRequest(api)
    engine = build_engine(db, config, clock=Clock(OPEN), secret=SECRET)
    transport = TelegramTransport(
        engine, config, TOKEN, request=request, rate_limiter=limiter, max_concurrent_steps=1
    )
    await transport.application.initialize()
    try:
        ticker = Ticker(db, config, [transport], clock=lambda: OPEN, secret=SECRET)
        api.enforce_limits(PER_SECOND, 1, time_scale=scale)
        start = time.monotonic()
        tick = asyncio.ensure_future(ticker.tick(OPEN))
        replies = await _ask_meanwhile(Feeder(api, transport.application), tick, scale)
        report = await tick
        wall = time.monotonic() - start
    finally:
        await transport.application.shutdown()
    sends = [
        (t, status, chat) for t, method, status, chat in request.log if method == "sendmessage"
    ]
    accepted = sorted((t - start) * scale for t, status, _chat in sends if status == 200)
    # The round's own messages: the asking manager's chat also holds the bot's replies.
    others = sorted(
        (t - start) * scale for t, status, chat in sends if status == 200 and chat != PROBE_USER
    )
    failed = report.reminders.failed + report.survey_failures
    return Paced(
        messages=len(others),
        expected=expected - 1,
        failed=failed,
        refused=sum(1 for _t, status, _chat in sends if status == 429),
        busiest_second=busiest_window(accepted),
        length=(others[-1] - others[0]) if others else 0.0,
        wall=wall,
        replies=tuple(replies),
    )


async def _ask_meanwhile(feeder: Feeder, tick: asyncio.Future[Any], scale: float) -> list[float]:
    """A manager writing to the bot every few seconds while the round goes out.

    Returns:
        The scaled seconds from each message to the reply (``process_update`` until the
        reply was accepted by the fake), for the messages sent before the round ended.
    """
    replies: list[float] = []
    for _n in range(PROBES):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(tick), PROBE_EVERY / scale)
        if tick.done():
            break
        before = len(feeder.api.sent_to(PROBE_USER))
        replies.append(await feeder.text(PROBE_USER, "/help") * scale)
        if len(feeder.api.sent_to(PROBE_USER)) == before:
            raise RuntimeError("the bot did not answer a manager during the round")
    return replies


def paced_round(
    path: Path, config: AppConfig, expected: int, limiter: BaseRateLimiter[Any], scale: float
) -> Paced:
    """Run the tick against the rate-limited fake with a fresh copy of the world."""
    with copy_of(path) as db:
        return asyncio.run(_paced(db, config, expected, limiter, scale))


def paced_rows(found: Paced, label: str = "", scale: float = TIME_SCALE) -> list[Row]:
    """The table rows of a paced round."""
    within = abs(found.length - found.ideal) <= 0.1 * found.ideal
    delivered = found.messages == found.expected and found.failed == 0
    return [
        Row(
            f"4 round{label}: busiest second (429s answered, all retried)",
            f"{found.busiest_second} msg ({found.refused}, {'yes' if delivered else 'NO'})",
            f"Telegram {PER_SECOND}/s",
            ratio(found.busiest_second, PER_SECOND),
            f"≤ {PER_SECOND}/s, every message delivered",
            found.busiest_second <= PER_SECOND and delivered,
        ),
        Row(
            f"4 round{label}: length of {found.messages} messages, time ×{scale:g}",
            f"{found.length:.0f} s ({found.wall:.0f} s real)",
            f"{found.expected}/{PER_SECOND} = {found.ideal:.0f} s",
            ratio(found.length, found.ideal),
            "within ±10 %",
            within,
        ),
        Row(
            f"4 round{label}: a manager's reply while it goes out, p50 (max; {len(found.replies)} asked)",
            f"{median(found.replies):.1f} s ({max(found.replies):.1f} s)"
            if found.replies
            else "none asked",
        ),
    ]


def measure(runs: int = 3, *, scale: float = TIME_SCALE) -> list[Row]:
    """Run figure 4; return the table rows."""
    from bot.telegram_transport import flood_limiter

    config = reminder_config()
    with world(config) as (path, people):
        ticks = [_plan_once(path, config, people) for _ in range(runs)]
        plan, again = median(t for t, _a in ticks), median(a for _t, a in ticks)
        floor = _bulk_floor(path, people)
        rows = [
            Row(
                f"4 plan and queue a round of {people} messages",
                f"{plan:.2f} s",
                f"bulk insert {floor * 1000:.0f} ms",
                ratio(plan, floor),
                f"< {PLAN_LIMIT_SECONDS:g} s",
                plan < PLAN_LIMIT_SECONDS,
            ),
            Row("4 the next minute's tick, the round all sent", f"{again * 1000:.0f} ms"),
        ]
        found = paced_round(path, config, people, flood_limiter(scale), scale)
        rows += paced_rows(found, scale=scale)
    return rows


__all__ = [
    "OPEN",
    "Instant",
    "Paced",
    "TimedRequest",
    "busiest_window",
    "measure",
    "members",
    "paced_round",
    "paced_rows",
    "reminder_config",
    "world",
]


if __name__ == "__main__":
    import sys

    from benchmarks.common import table

    config = reminder_config()
    with world(config) as (path, people):
        print(f"{people} people")
        print("plan, next tick", _plan_once(path, config, people))
        if len(sys.argv) > 1:
            from telegram.ext import AIORateLimiter

            scale = float(sys.argv[1])
            shipped = AIORateLimiter(
                overall_max_rate=30,
                overall_time_period=1 / scale,
                group_time_period=60 / scale,
                max_retries=3,
            )
            before = paced_round(path, config, people, shipped, scale)
            print(table(paced_rows(before, " (before)", scale)))
