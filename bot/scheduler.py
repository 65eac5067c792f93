"""The scheduler: APScheduler 3 runs the reminder round (and the survey tick) every minute.

Once a day the same tick also purges stale drafts (``security.draft_max_age_days``, written
to the audit log) and the update keys kept against Telegram's redeliveries.

One interval job (:data:`JOB_ID`) lives in a :class:`SQLAlchemyJobStore` in the project's own
database (table ``apscheduler_jobs``), so it survives restarts. The job is a reference to the
module-level coroutine :func:`scheduled_tick` with the name of a :class:`Ticker` registered in
this process; the job store pickles only that reference and the name, never the database or
the transports.

What a tick does is :class:`bot.ticker.Ticker`. Each tick plans everything due *now* and
claims each message in the database before sending it (see :mod:`collectors.reminders`), so
it does not matter that the job may fire late after
downtime (the round decides per message: send within ``late_grace_hours``, else skip), fire
twice (``coalesce``), or fire in two processes at once: each message still leaves once.

In the bot process, pass a :class:`ReminderService` to :func:`bot.telegram.run_bot`::

    run_bot(config, token, db=db, services=[ReminderService()])
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.ticker import TICK_SECONDS, Ticker
from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.messages import Deliverer, Delivery, DeliveryOutcome
from collectors.reminders import deliverer_map
from storage.db import Database, utcnow

log = logging.getLogger(__name__)

JOB_ID = "omabot-tick"
DEFAULT_NAME = "default"
_TICKERS: dict[str, Ticker] = {}


def register_ticker(ticker: Ticker, name: str = DEFAULT_NAME) -> None:
    """Make ``ticker`` the one :func:`scheduled_tick` runs for ``name`` in this process."""
    _TICKERS[name] = ticker


def unregister_ticker(name: str = DEFAULT_NAME) -> None:
    """Forget the ticker registered for ``name``."""
    _TICKERS.pop(name, None)


async def scheduled_tick(name: str = DEFAULT_NAME) -> None:
    """The job function (stored by reference): run the ticker registered under ``name``."""
    ticker = _TICKERS.get(name)
    if ticker is None:
        log.warning("no ticker %r is registered in this process; tick skipped", name)
        return
    await ticker.tick_shielded()


def make_scheduler(db: Database, config: AppConfig) -> AsyncIOScheduler:
    """An asyncio scheduler whose job store is the ``apscheduler_jobs`` table of ``db``."""
    return AsyncIOScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": max(60, config.schedule.late_grace_hours * 3600),
        },
        timezone=UTC,
    )


def build_scheduler(
    db: Database,
    config: AppConfig,
    engine: Engine,
    deliverers: Mapping[str, Deliverer] | Sequence[Deliverer],
    clock: Callable[[], datetime] = utcnow,
    *,
    name: str = DEFAULT_NAME,
) -> AsyncIOScheduler:
    """A scheduler (not started) with the tick job, and its ticker registered under ``name``.

    Args:
        db: The database; the job store lives in it.
        config: The configuration.
        engine: The engine (its secret and counters).
        deliverers: Deliverers by transport name, or a sequence of them.
        clock: The current time, aware.
        name: The ticker's name in this process.

    Returns:
        The scheduler; call ``start()`` inside the running event loop.
    """
    ticker = Ticker(
        db,
        config,
        deliverer_map(deliverers),
        clock=clock,
        secret=engine.secret,
        counter=engine.count,
    )
    register_ticker(ticker, name)
    scheduler = make_scheduler(db, config)
    scheduler.add_job(
        scheduled_tick,
        "interval",
        seconds=TICK_SECONDS,
        args=[name],
        id=JOB_ID,
        name="reminders and surveys",
        replace_existing=True,
        next_run_time=datetime.now(UTC),
    )
    return scheduler


async def stop_scheduler(scheduler: AsyncIOScheduler, name: str | None = DEFAULT_NAME) -> None:
    """Stop a running scheduler, letting a tick in progress finish.

    APScheduler's asyncio executor cancels running jobs at shutdown; :func:`scheduled_tick`
    shields the tick itself, and this waits for it (of the ticker registered under
    ``name``) after the shutdown, asking a survey round in progress to stop after its
    batch (:meth:`Ticker.finish`).
    """
    if not scheduler.running:
        return
    stopped = asyncio.Event()
    scheduler.add_listener(lambda _event: stopped.set(), EVENT_SCHEDULER_SHUTDOWN)
    scheduler.shutdown(wait=False)  # AsyncIOScheduler shuts down on the next loop turn
    await stopped.wait()
    ticker = _TICKERS.get(name) if name is not None else None
    if ticker is not None:
        await ticker.finish()


class _Transport(Protocol):
    """What :class:`ReminderService` needs of the bot's transport."""

    transport: str
    engine: Engine
    config: AppConfig

    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        """Send one message on the bot's initiative."""
        ...


class ReminderService:
    """The scheduler as a service beside the bot (see :class:`bot.telegram.Service`).

    Args:
        extra: Further deliverers (e.g. a terminal one) beside the bot's transport.
        clock: The current time, aware.
    """

    name = "scheduler"

    def __init__(
        self, extra: Sequence[Deliverer] = (), *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.extra = list(extra)
        self.clock = clock
        self.scheduler: AsyncIOScheduler | None = None

    async def start(self, transport: _Transport) -> None:
        """Build and start the scheduler, delivering through ``transport``."""
        deliverers: dict[str, Deliverer] = {d.transport: d for d in self.extra}
        deliverers[transport.transport] = transport
        engine = transport.engine
        self.scheduler = build_scheduler(
            engine.db, transport.config, engine, deliverers, self.clock
        )
        self.scheduler.start()
        log.info("scheduler started: a tick every %s s", TICK_SECONDS)

    async def stop(self) -> None:
        """Stop the scheduler, letting a tick in hand finish."""
        if self.scheduler is not None:
            await stop_scheduler(self.scheduler)
        unregister_ticker()

    def healthy(self) -> bool:
        """Whether the scheduler runs and its ticks succeed."""
        ticker = _TICKERS.get(DEFAULT_NAME)
        running = self.scheduler is not None and self.scheduler.running
        return running and ticker is not None and ticker.healthy()


__all__ = [
    "JOB_ID",
    "TICK_SECONDS",
    "ReminderService",
    "build_scheduler",
    "make_scheduler",
    "register_ticker",
    "scheduled_tick",
    "stop_scheduler",
    "unregister_ticker",
]
