"""The reminder plan sent to real people in the database, with a controlled clock.

Each test moves the clock to a planned moment, runs a round and looks at what the recording
deliverer got and what the ``notification`` table says.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from collectors.app import build_engine
from collectors.config import AppConfig
from collectors.messages import DeliveryOutcome
from collectors.reminders import Reminders
from storage.db import Database
from storage.models import ChatIdentity
from tests.support import Chat, Clock, small_config
from tests.test_reminders_support import (
    BEFORE,
    ESCALATION,
    OPEN,
    REMINDER_1,
    REMINDER_3,
    REMINDER_7,
    TRANSPORT,
    Recorder,
    World,
    labels,
    make_world,
    rows,
    statuses,
    submit,
    text_of,
    utc,
)


@pytest.fixture
def world(db: Database, config: AppConfig, clock: Clock) -> World:
    clock.now = BEFORE
    return make_world(db, config, clock)


async def run_at(world: World, clock: Clock, moment: object) -> list[str]:
    """Run a round at ``moment`` and return the chats that got a message, sorted."""
    assert hasattr(moment, "tzinfo")
    clock.now = moment  # type: ignore[assignment]
    await world.reminders.run_due()
    return sorted(d.chat_id for d in world.recorder.take())


async def test_opening_message_names_unit_period_dates_and_deadline(
    world: World, clock: Clock
) -> None:
    assert await run_at(world, clock, OPEN - timedelta(minutes=1)) == []
    clock.now = OPEN
    await world.reminders.run_due()
    sent = {d.chat_id: d for d in world.recorder.sent}
    assert sorted(sent) == ["ma", "mb", "mo"]  # the managers, not the leaders or staff
    text = text_of(sent["ma"])
    assert "Kotihoito A (en)" in text and "T2/2025" in text
    assert "May 1 – Aug 31, 2025" in text
    assert "can now be filled in" in text and "Sun, Sep 21, 2025" in text
    assert labels(sent["ma"]) == ["Start now", "Remind me tomorrow"]
    reply = sent["ma"].reply
    assert [o.data for o in reply.options] == [  # type: ignore[union-attr]
        "rem:start:2025-T2:kotihoito-a",
        "rem:snooze:2025-T2:kotihoito-a",
    ]
    assert "Kotihoito B" in text_of(sent["mb"])
    assert {row.kind for row in rows(world.db)} == {"open"}
    assert set(statuses(world.db).values()) == {"sent"}


async def test_each_reminder_once_weekend_moves_and_submitted_unit_stops(
    world: World, clock: Clock
) -> None:
    assert await run_at(world, clock, OPEN) == ["ma", "mb", "mo"]
    assert await run_at(world, clock, OPEN + timedelta(minutes=1)) == []  # not again
    # reminder-7 falls on Sunday 14.9.: nothing on Sunday, sent on Monday 15.9.
    assert await run_at(world, clock, utc(2025, 9, 14, 6)) == []
    clock.now = REMINDER_7
    await world.reminders.run_due()
    week = {d.chat_id: text_of(d) for d in world.recorder.take()}
    assert sorted(week) == ["ma", "mb", "mo"]
    assert "Reminder" in week["ma"] and "6 days left." in week["ma"]
    submit(world.db, "kotihoito-a", world.ids["ma"], REMINDER_7 + timedelta(hours=2))
    assert await run_at(world, clock, REMINDER_3) == ["mb", "mo"]
    # reminder-1 falls on Saturday 20.9. and moves back to Friday 19.9.
    clock.now = REMINDER_1
    await world.reminders.run_due()
    friday = {d.chat_id: text_of(d) for d in world.recorder.take()}
    assert sorted(friday) == ["mb", "mo"] and "2 days left." in friday["mo"]
    assert await run_at(world, clock, utc(2025, 9, 20, 6)) == []
    keys = statuses(world.db)
    ma = world.ids["ma"]
    assert f"2025-T2:reminder-3:kotihoito-a:{ma}" not in keys
    assert keys[f"2025-T2:reminder-7:kotihoito-a:{ma}"] == "sent"
    assert len(keys) == 3 + 3 + 2 + 2


async def test_deadline_escalation_goes_to_the_leaders_above_missing_units(
    world: World, clock: Clock
) -> None:
    submit(world.db, "kotihoito-a", world.ids["ma"], REMINDER_3)
    assert await run_at(world, clock, ESCALATION - timedelta(minutes=1)) == []
    clock.now = ESCALATION
    await world.reminders.run_due()
    sent = {d.chat_id: text_of(d) for d in world.recorder.take()}
    # Only the escalation is due now; the earlier steps are more than 12 h late: skipped.
    assert sorted(sent) == ["la", "lc", "lk"]
    assert "Kotihoito B (en) – Mikko Berg" in sent["lk"]
    assert "Asiakasohjaus" not in sent["lk"] and "Kotihoito A" not in sent["lk"]
    assert "Asiakasohjaus (en) – Olli Ohjaaja" in sent["la"]
    assert "Kotihoito B" in sent["lc"] and "Asiakasohjaus" in sent["lc"]
    assert "2 units are missing." in sent["lc"]
    assert "Sun, Sep 21, 2025" in sent["lc"]
    kinds = {(row.kind, row.status) for row in rows(world.db)}
    assert ("escalation", "sent") in kinds and ("open", "skipped") in kinds
    assert await run_at(world, clock, ESCALATION + timedelta(hours=1)) == []


async def test_escalation_without_manager_names(db: Database, clock: Clock) -> None:
    config = small_config(schedule={"escalate_named_managers": False})
    clock.now = BEFORE
    world = make_world(db, config, clock)
    clock.now = ESCALATION
    await world.reminders.run_due()
    text = world.recorder.to("lk")[0]
    assert "Kotihoito A (en)" in text and "Maija" not in text and "Mikko" not in text


async def test_holiday_and_weekend_move_steps_to_the_next_working_day(
    db: Database, clock: Clock
) -> None:
    # 2025-T3 opens on New Year's Day (a holiday): the message comes on Fri 2.1.2026 at
    # 09:00 (07:00 UTC in winter). A 15-day reminder falls on Epiphany (Tue 6.1.): Wed 7.1.
    config = small_config(schedule={"reminder_days_before": [15, 7, 3, 1]})
    clock.now = utc(2025, 12, 20, 9)
    world = make_world(db, config, clock)
    assert await run_at(world, clock, utc(2026, 1, 1, 7)) == []
    assert await run_at(world, clock, utc(2026, 1, 2, 7)) == ["ma", "mb", "mo"]
    assert await run_at(world, clock, utc(2026, 1, 6, 7)) == []
    clock.now = utc(2026, 1, 7, 7)
    await world.reminders.run_due()
    assert sorted(d.chat_id for d in world.recorder.take()) == ["ma", "mb", "mo"]
    assert {r.step for r in rows(db) if r.kind == "reminder"} == {"reminder-15"}
    # reminder-3 falls on Sunday 18.1. and comes on Monday 19.1.
    assert await run_at(world, clock, utc(2026, 1, 18, 7)) == []
    assert await run_at(world, clock, utc(2026, 1, 19, 7)) == ["ma", "mb", "mo"]


async def test_late_after_downtime_sends_within_grace_and_skips_beyond(
    world: World, clock: Clock
) -> None:
    # Down from before the opening until 11 h after it: still sent (grace 12 h).
    assert await run_at(world, clock, OPEN + timedelta(hours=11)) == ["ma", "mb", "mo"]
    # Down over reminder-7 for 13 h: recorded as skipped, not sent late.
    assert await run_at(world, clock, REMINDER_7 + timedelta(hours=13)) == []
    skipped = [r for r in rows(world.db) if r.step == "reminder-7"]
    assert len(skipped) == 3 and {r.status for r in skipped} == {"skipped"}
    assert {r.detail for r in skipped} == {"late"}


async def test_restart_between_reminders_loses_and_repeats_nothing(
    world: World, clock: Clock, sqlite_url: str, config: AppConfig
) -> None:
    assert await run_at(world, clock, OPEN) == ["ma", "mb", "mo"]
    # The process stops; a new one starts with new objects on the same database, 2 h after
    # reminder-7 was due.
    world.db.dispose()
    db = Database(sqlite_url)
    recorder = Recorder()
    reminders = Reminders(db, config, [recorder], clock=clock)
    clock.now = REMINDER_7 + timedelta(hours=2)
    report = await reminders.run_due()
    assert sorted(d.chat_id for d in recorder.sent) == ["ma", "mb", "mo"]
    assert recorder.to("ma")[0].startswith("Reminder")
    assert report.sent == 3 and report.skipped == 0
    again = await Reminders(db, config, [Recorder()], clock=clock).run_due()
    assert again.sent == 0
    assert sorted(r.step for r in rows(db)) == ["open"] * 3 + ["reminder-7"] * 3
    db.dispose()


async def test_two_schedulers_on_one_database_send_each_message_once(
    any_db: Database, config: AppConfig, clock: Clock
) -> None:
    clock.now = BEFORE
    world = make_world(any_db, config, clock)
    other_db = Database(any_db.url)
    first, second = Recorder(), Recorder()
    a = Reminders(any_db, config, [first], clock=clock, batch_size=2)
    b = Reminders(other_db, config, [second], clock=clock, batch_size=2)
    for moment in (OPEN, REMINDER_7, REMINDER_3):
        clock.now = moment
        ra, rb = await asyncio.gather(a.run_due(), b.run_due())
        assert ra.sent + rb.sent == 3
    chats = sorted(d.chat_id for d in first.sent + second.sent)
    assert chats == sorted(["ma", "mb", "mo"] * 3)
    assert len(statuses(world.db)) == 9
    other_db.dispose()


async def test_blocked_chat_is_recorded_and_skipped_later(world: World, clock: Clock) -> None:
    world.recorder.outcomes["mb"] = DeliveryOutcome.BLOCKED
    report = await world.reminders.run_due(OPEN)
    assert report.sent == 2 and report.blocked == 1
    with world.db.session() as session:
        identity = session.exec(select(ChatIdentity).where(ChatIdentity.chat_id == "mb")).one()
        assert identity.blocked_at is not None
    attempts = world.recorder.attempts
    report = await world.reminders.run_due(REMINDER_7)
    assert report.sent == 2 and report.skipped == 1 and report.unreachable == 1
    assert world.recorder.attempts == attempts + 2  # the blocked chat is not tried again
    keys = statuses(world.db)
    mb = world.ids["mb"]
    assert keys[f"2025-T2:open:kotihoito-b:{mb}"] == "blocked"
    assert keys[f"2025-T2:reminder-7:kotihoito-b:{mb}"] == "skipped"


async def test_writing_to_the_bot_again_clears_the_block(world: World, clock: Clock) -> None:
    world.recorder.outcomes["mb"] = DeliveryOutcome.BLOCKED
    await world.reminders.run_due(OPEN)
    engine = build_engine(world.db, world.config, clock=clock)
    Chat(engine, "ma", transport=TRANSPORT).send("/help")  # someone else writing changes nothing
    with world.db.session() as session:
        identity = session.exec(select(ChatIdentity).where(ChatIdentity.chat_id == "mb")).one()
        assert identity.blocked_at is not None
    Chat(engine, "mb", transport=TRANSPORT).send("/help").expect("/report")
    with world.db.session() as session:
        identity = session.exec(select(ChatIdentity).where(ChatIdentity.chat_id == "mb")).one()
        assert identity.blocked_at is None
    del world.recorder.outcomes["mb"]
    world.recorder.take()
    report = await world.reminders.run_due(REMINDER_7)
    assert report.unreachable == 0 and "mb" in [d.chat_id for d in world.recorder.take()]


async def test_failed_delivery_is_retried_at_most_three_times(world: World, clock: Clock) -> None:
    world.recorder.outcomes["mo"] = DeliveryOutcome.FAILED
    world.recorder.raising.add("mb")  # a deliverer that raises counts as failed, too
    report = await world.reminders.run_due(OPEN)
    assert report.sent == 1 and report.failed == 2  # one failure does not stop the round
    assert (await world.reminders.run_due(OPEN + timedelta(minutes=5))).failed == 0
    del world.recorder.outcomes["mo"]
    assert (await world.reminders.run_due(OPEN + timedelta(minutes=15))).sent == 1
    for minutes in (30, 45, 60, 120):
        await world.reminders.run_due(OPEN + timedelta(minutes=minutes))
    mb = world.ids["mb"]
    attempts = sorted(
        k for k in statuses(world.db) if k.startswith(f"2025-T2:open:kotihoito-b:{mb}")
    )
    assert len(attempts) == 3 and attempts[1].endswith("#2") and attempts[2].endswith("#3")
    assert world.recorder.to("mo") and len(world.recorder.to("mo")) == 1


async def test_remind_now_sends_a_manual_round_to_units_not_reported(
    world: World, clock: Clock
) -> None:
    submit(world.db, "ohjaus", world.ids["mo"], OPEN)
    clock.now = utc(2025, 9, 10, 12)
    report = await world.reminders.remind_now("2025-T2")
    assert sorted(d.chat_id for d in report.deliveries) == ["ma", "mb"]
    one = await world.reminders.remind_now("2025-T2", "kotihoito-b")  # same minute: not again
    assert one.sent == 0
    clock.now += timedelta(minutes=1)
    one = await world.reminders.remind_now("2025-T2", "kotihoito-b")
    assert [d.chat_id for d in one.deliveries] == ["mb"]
    with pytest.raises(ValueError, match="not open"):
        await world.reminders.remind_now("2025-T1")
    with pytest.raises(ValueError, match="not a unit that reports"):
        await world.reminders.remind_now("2025-T2", "koti")
