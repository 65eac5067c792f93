"""The APScheduler wiring: the job persists in the database, and its function runs a round.

Nothing here waits for the scheduler to fire: schedulers are started paused, and the stored
job's function is called by hand with a controlled clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import inspect

from bot.scheduler import (
    JOB_ID,
    TICK_SECONDS,
    ReminderService,
    build_scheduler,
    make_scheduler,
    scheduled_tick,
    stop_scheduler,
    unregister_ticker,
)
from bot.ticker import Ticker
from collectors.config import AppConfig
from collectors.engine import Engine
from collectors.messages import Delivery, DeliveryOutcome
from storage.db import Database
from tests.support import Clock
from tests.test_reminders_support import (
    BEFORE,
    OPEN,
    REMINDER_7,
    Recorder,
    make_world,
    rows,
)


@pytest.fixture(autouse=True)
def _forget_tickers() -> Iterator[None]:
    yield
    unregister_ticker()


async def test_the_job_is_stored_in_the_database_and_survives_a_restart(
    any_db: Database, config: AppConfig, engine: Engine
) -> None:
    db = any_db
    first = build_scheduler(db, config, engine, [Recorder()])
    first.start(paused=True)
    [job] = first.get_jobs()
    assert job.id == JOB_ID and job.trigger.interval == timedelta(seconds=TICK_SECONDS)
    await stop_scheduler(first)
    assert "apscheduler_jobs" in inspect(db.engine).get_table_names()
    # A new process: a bare scheduler on the same database, adding no job of its own.
    other = Database(db.url)
    second = make_scheduler(other, config)
    second.start(paused=True)
    [stored] = second.get_jobs()
    assert stored.id == JOB_ID and stored.func is scheduled_tick and stored.args == ("default",)
    assert stored.coalesce is True and stored.max_instances == 1
    assert stored.misfire_grace_time == config.schedule.late_grace_hours * 3600
    assert stored.next_run_time is not None
    await stop_scheduler(second)
    # Starting the bot again replaces the job rather than adding a second one.
    third = build_scheduler(other, config, engine, [Recorder()])
    third.start(paused=True)
    assert [j.id for j in third.get_jobs()] == [JOB_ID]
    await stop_scheduler(third)
    other.dispose()


async def test_a_restart_between_two_reminders_through_the_stored_job(
    db: Database, config: AppConfig, engine: Engine, clock: Clock
) -> None:
    clock.now = BEFORE
    make_world(db, config, clock)
    before = Recorder()
    scheduler = build_scheduler(db, config, engine, [before], clock)
    scheduler.start(paused=True)
    [job] = scheduler.get_jobs()
    clock.now = OPEN
    await job.func(*job.args)  # what APScheduler calls when the job fires
    assert before.chats() == ["ma", "mb", "mo"]
    await stop_scheduler(scheduler)
    # Restart: new database objects, new scheduler, new deliverer; the stored job is reused.
    restarted_db = Database(db.url)
    after = Recorder()
    restarted = build_scheduler(restarted_db, config, engine, [after], clock)
    restarted.start(paused=True)
    [job] = restarted.get_jobs()
    clock.now = REMINDER_7 + timedelta(minutes=3)
    await job.func(*job.args)
    await job.func(*job.args)  # fired twice (two processes, or a late coalesced run)
    assert after.chats() == ["ma", "mb", "mo"]
    assert all("Reminder" in d.reply.text for d in after.sent if d.chat_id != "mb")  # type: ignore[union-attr]
    assert sorted(r.step for r in rows(db)) == ["open"] * 3 + ["reminder-7"] * 3
    await stop_scheduler(restarted)
    restarted_db.dispose()


async def test_a_tick_without_a_registered_ticker_does_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    await scheduled_tick("nobody")
    assert "no ticker 'nobody' is registered" in caplog.text


async def test_one_failing_part_does_not_stop_the_other_and_health_follows(
    db: Database, config: AppConfig, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.now = BEFORE
    world = make_world(db, config, clock)
    clock.now = OPEN
    ticker = Ticker(db, config, [world.recorder], clock=clock, secret=b"k")
    assert ticker.healthy()

    async def broken(now: object = None) -> object:
        raise RuntimeError("database gone")

    monkeypatch.setattr(ticker.reminders, "run_due", broken)
    report = await ticker.tick()
    assert report.reminders.sent == 0 and report.survey_messages == 0
    assert ticker.healthy()  # started only just now
    clock.now = OPEN + timedelta(minutes=10)
    assert not ticker.healthy()
    monkeypatch.undo()
    report = await ticker.tick()
    assert report.reminders.sent == 3 and ticker.healthy()


class FakeTransport:
    """What the service needs of the Telegram transport."""

    transport = "test"

    def __init__(self, engine: Engine, config: AppConfig) -> None:
        self.engine, self.config = engine, config
        self.sent: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> DeliveryOutcome:
        self.sent.append(delivery)
        return DeliveryOutcome.SENT


async def test_the_service_starts_and_stops_beside_the_bot(
    db: Database, config: AppConfig, engine: Engine, clock: Clock
) -> None:
    clock.now = OPEN
    make_world(db, config, clock)
    service = ReminderService(clock=clock)
    transport = FakeTransport(engine, config)
    await service.start(transport)
    assert service.scheduler is not None and service.scheduler.running
    assert service.healthy() and service.name == "scheduler"
    [job] = service.scheduler.get_jobs()
    await job.func(*job.args)
    assert sorted(d.chat_id for d in transport.sent) == ["ma", "mb", "mo"]
    await service.stop()
    assert not service.scheduler.running and not service.healthy()
