"""The reminder buttons, /away and /deputy, driven through the engine like people would."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select

from collectors.config import AppConfig
from collectors.days import parse_day
from collectors.engine import Engine
from collectors.reminder_texts import button_data, resolve_unit, unit_token
from storage import absences
from storage.db import Database
from storage.models import RoleGrant
from storage.notify_models import Absence, Deputy, Snooze
from storage.people import Role
from tests.support import Chat, Clock
from tests.test_reminders_support import (
    BEFORE,
    ESCALATION,
    OPEN,
    REMINDER_1,
    REMINDER_3,
    REMINDER_7,
    World,
    add_person,
    labels,
    make_world,
    rows,
    submit,
    text_of,
    utc,
)


@pytest.fixture
def world(db: Database, config: AppConfig, clock: Clock) -> World:
    clock.now = BEFORE
    return make_world(db, config, clock)


def chat(engine: Engine, handle: str, language: str = "en") -> Chat:
    return Chat(engine, handle, language)


async def opening_for(world: World, clock: Clock, handle: str) -> list[str]:
    """Run the opening round and return the button data of ``handle``'s message."""
    clock.now = OPEN
    await world.reminders.run_due()
    [delivery] = [d for d in world.recorder.take() if d.chat_id == handle]
    return [o.data for o in delivery.reply.options]  # type: ignore[union-attr]


async def test_start_now_opens_the_report_of_that_unit(
    world: World, clock: Clock, engine: Engine
) -> None:
    start, _snooze = await opening_for(world, clock, "ma")
    chat(engine, "ma").press_data(start).expect("Period report of Kotihoito A (en)", "1/11")


async def test_a_forged_button_for_another_unit_is_refused(
    world: World, clock: Clock, engine: Engine
) -> None:
    clock.now = OPEN
    ma = chat(engine, "ma")
    ma.press_data("rem:start:2025-T2:kotihoito-b").expect("You can report only for your own units.")
    ma.press_data("rem:snooze:2025-T2:ohjaus").expect("You can report only for your own units.")
    ma.press_data("rem:explode:2025-T2:kotihoito-a").expect("That button is no longer in use.")


async def test_remind_me_tomorrow_asks_again_once_next_working_day(
    world: World, clock: Clock, engine: Engine
) -> None:
    _start, snooze = await opening_for(world, clock, "ma")
    chat(engine, "ma").press_data(snooze).expect(
        "I will remind you about Kotihoito A (en) on Tue, Sep 2, 2025 9:00 AM"
    )
    clock.now = utc(2025, 9, 2, 5, 59)
    await world.reminders.run_due()
    assert world.recorder.take() == []
    clock.now = utc(2025, 9, 2, 6)
    await world.reminders.run_due()
    [again] = world.recorder.take()
    assert again.chat_id == "ma" and "Reminder" in text_of(again)
    await world.reminders.run_due(utc(2025, 9, 2, 7))
    assert world.recorder.take() == []
    assert [r.status for r in rows(world.db) if r.kind == "snooze"] == ["sent"]


async def test_a_snooze_after_the_report_is_sent_is_skipped(
    world: World, clock: Clock, engine: Engine
) -> None:
    _start, snooze = await opening_for(world, clock, "ma")
    chat(engine, "ma").press_data(snooze)
    submit(world.db, "kotihoito-a", world.ids["ma"], OPEN + timedelta(hours=3))
    chat(engine, "ma").press_data(snooze).expect("already sent")
    await world.reminders.run_due(utc(2025, 9, 2, 6))
    assert world.recorder.take() == []
    [row] = [r for r in rows(world.db) if r.kind == "snooze"]
    assert (row.status, row.detail) == ("skipped", "submitted")
    with world.db.session() as session:
        assert session.exec(select(Snooze)).one().done_at is not None


async def test_no_remind_me_tomorrow_when_tomorrow_is_past_the_deadline(
    world: World, clock: Clock, engine: Engine
) -> None:
    # Friday 19.9.: the next working day is Monday 22.9., after Sunday's deadline.
    clock.now = REMINDER_1
    await world.reminders.run_due()
    [delivery] = [d for d in world.recorder.take() if d.chat_id == "ma"]
    assert labels(delivery) == ["Start now"]
    chat(engine, "ma").press_data("rem:snooze:2025-T2:kotihoito-a").expect(
        "The deadline is too close"
    ).expect_button("Start now")


async def test_a_reminder_pressed_after_the_period_closed_is_refused(
    world: World, clock: Clock, engine: Engine
) -> None:
    start, snooze = await opening_for(world, clock, "ma")
    ma = chat(engine, "ma")
    ma.press_data("rem:snooze::kotihoito-a").expect("I will remind you about Kotihoito A (en)")
    clock.now = utc(2025, 9, 23, 6)  # 2025-T2 closed on Sunday 21.9.
    ma.press_data(snooze).expect("That period is not open for reporting.")
    ma.press_data(start).expect("That period is not open for reporting.")
    ma.press_data("rem:snooze::kotihoito-a").expect("No reporting period is open right now.")


async def test_a_draft_is_invited_to_continue_where_it_was_left(
    world: World, clock: Clock, engine: Engine
) -> None:
    clock.now = OPEN + timedelta(hours=1)
    ma = chat(engine, "ma")
    ma.send("/report").send("1 050").send("96 %").send("/cancel").expect("Stopped")
    clock.now = REMINDER_7
    await world.reminders.run_due()
    [delivery] = [d for d in world.recorder.take() if d.chat_id == "ma"]
    assert "You have 2 of 11 answers saved" in text_of(delivery)
    assert labels(delivery)[0] == "Continue where I left off"
    ma.press_data(delivery.reply.options[0].data).expect(  # type: ignore[union-attr]
        "Welcome back! 2 answers are saved", "3/11"
    )


async def test_away_manager_gets_nothing_and_the_deputy_gets_the_reminders(
    world: World, clock: Clock, engine: Engine
) -> None:
    ma, sa = chat(engine, "ma"), chat(engine, "sa")
    ma.send("/away 30.9.").expect(
        "You are marked away until Tue, Sep 30, 2025",
        "Kotihoito A (en) has no deputy yet: name one with /deputy.",
    )
    sa.send("/report").expect("Only unit managers and their deputies")
    ma.send("/deputy").expect("Who stands in for the manager of Kotihoito A (en)?")
    ma.expect_button(
        "Sanna Sijainen (staff member, Kotihoito A (en))",
        "Mikko Berg (unit manager, Kotihoito B (en))",
        "Kaisa Koti (leader, Koti- ja asumispalvelut (en))",
    )
    assert not [o for o in ma.options if "Olli" in o.label]  # another division's manager
    ma.press("Sanna Sijainen").expect(
        "Until which day (inclusive)? For example 24.9. or 2025-09-24."
    )
    ma.send("1.13.").expect("I could not read that date")
    ma.send("19.9.").expect(
        "Sanna Sijainen stands in for the manager of Kotihoito A (en) until Fri, Sep 19, 2025"
    )
    clock.now = OPEN
    await world.reminders.run_due()
    assert world.recorder.chats() == ["mb", "mo", "sa"]
    [delivery] = [d for d in world.recorder.take() if d.chat_id == "sa"]
    assert "Kotihoito A (en)" in text_of(delivery)
    sa.press_data(delivery.reply.options[0].data).expect(  # type: ignore[union-attr]
        "Period report of Kotihoito A (en)"
    )
    clock.now = utc(2025, 9, 19, 20, 59)  # 23:59 in Helsinki: still a deputy
    sa.send("/cancel").send("/report kotihoito-a").expect("Period report of Kotihoito A (en)")
    clock.now = utc(2025, 9, 19, 21, 0)  # midnight: the deputyship has ended
    sa.send("/report").expect("Only unit managers and their deputies")
    ma.send("/away off").expect("Welcome back! Reminders come to you again.")


async def test_a_deputy_named_while_a_period_is_open_hears_of_it_at_once(
    world: World, clock: Clock, engine: Engine
) -> None:
    clock.now = utc(2025, 9, 16, 9)
    ma = chat(engine, "ma")
    ma.send("/deputy kotihoito-a").press("Sanna").send("2025-10-15")
    await world.reminders.run_due()
    [delivery] = world.recorder.take()
    assert delivery.chat_id == "sa" and "Kotihoito A (en)" in text_of(delivery)
    assert "5 days left." in text_of(delivery)
    # Named on the morning of a reminder: the deputy gets that reminder, not a second one.
    clock.now = REMINDER_3 + timedelta(minutes=30)
    chat(engine, "mb").send("/deputy").press("Maija Aalto").send("2025-10-15")
    clock.now = REMINDER_3 + timedelta(hours=1)
    await world.reminders.run_due()
    assert world.recorder.chats() == ["ma", "ma", "mb", "mo", "sa"]  # ma: both units
    assert [r.detail for r in rows(world.db) if r.kind == "snooze"] == ["", "covered"]
    with world.db.session() as session:
        [row] = session.exec(select(Deputy).where(Deputy.unit_id == "kotihoito-a")).all()
    assert (row.starts_on, row.until, row.created_by) == (
        date(2025, 9, 16),
        date(2025, 10, 15),
        f"person:{world.ids['ma']}",
    )


async def test_who_may_name_a_deputy(world: World, clock: Clock, engine: Engine) -> None:
    clock.now = OPEN
    chat(engine, "sa").send("/deputy").expect("Only a unit's manager or an administrator")
    chat(engine, "mo").send("/deputy kotihoito-a").expect("only for your own units")
    add_person(world.db, "root", Role.ADMIN, None, name="Admin", now=OPEN)
    admin = chat(engine, "root")
    admin.send("/deputy").expect("For which unit do you name a deputy?")
    admin.press("Asiakasohjaus").expect("Who stands in for the manager of Asiakasohjaus (en)?")
    admin.expect_button("Aino Asiakas (leader, Asiakaskeskus (en))").press("Cancel")
    admin.send("/deputy kotihoito-b").press("Maija Aalto").press("Cancel").expect(
        "no deputy was named"
    )
    # A deputy cannot pass the unit on to someone else.
    chat(engine, "ma").send("/deputy").press("Sanna").send("30.9.")
    chat(engine, "sa").send("/deputy").expect("Only a unit's manager or an administrator")


async def test_the_deputy_standing_in_is_shown_and_can_be_ended(
    world: World, clock: Clock, engine: Engine
) -> None:
    clock.now = OPEN
    ma, sa = chat(engine, "ma"), chat(engine, "sa")
    ma.send("/deputy kotihoito-a").press("Sanna").send("30.9.")
    sa.send("/report kotihoito-a").expect("Period report of Kotihoito A (en)")
    ma.send("/deputy kotihoito-a").expect(
        "Sanna Sijainen stands in until Tue, Sep 30, 2025.",
        "Who stands in for the manager of Kotihoito A (en)?",
    )
    assert not [o for o in ma.options if o.label.startswith("Sanna")]  # named already
    ending = ma.option("End the deputyship: Sanna Sijainen").data
    ma.press_data(ending).expect("Sanna Sijainen no longer stands in for the manager of")
    sa.send("/cancel").send("/report kotihoito-a").expect("Only unit managers and their deputies")
    ma.press_data(ending).expect("That button belongs to an earlier question")
    ma.send("/deputy kotihoito-a")
    assert "stands in until" not in ma.text
    assert not [o for o in ma.options if o.label.startswith("End the deputyship")]
    # Named today and ended today: the deputyship is gone, not kept as one that ended.
    with world.db.session() as session:
        assert not session.exec(select(Deputy).where(Deputy.unit_id == "kotihoito-a")).all()
    # Another unit's deputy is not shown here.
    chat(engine, "mb").send("/deputy").press("Maija Aalto").send("30.9.").expect(
        "Maija Aalto", "30.9.2025"
    )
    ma.send("/deputy kotihoito-a")
    assert "stands in until" not in ma.text


async def test_a_deputy_standing_in_gets_a_new_last_day_without_a_second_reminder(
    world: World, clock: Clock, engine: Engine
) -> None:
    clock.now = OPEN
    ma = chat(engine, "ma")
    ma.send("/deputy kotihoito-a").press("Sanna").send("30.9.")
    await world.reminders.run_due()
    assert "sa" in world.recorder.chats()
    world.recorder.take()
    ma.send("/deputy kotihoito-a").press("New last day: Sanna Sijainen")
    ma.expect("Until which day (inclusive)?").send("eilen").expect("already passed")
    ma.send("15.10.").expect(
        "Sanna Sijainen stands in for the manager of Kotihoito A (en) until Wed, Oct 15, 2025"
    )
    ma.send("/deputy kotihoito-a").expect("Sanna Sijainen stands in until Wed, Oct 15, 2025.")
    assert ma.text.count("stands in until") == 1
    ma.press("Cancel")
    await world.reminders.run_due()
    assert "sa" not in world.recorder.chats()  # told once, when named
    with world.db.session() as session:
        [row] = session.exec(select(Deputy).where(Deputy.unit_id == "kotihoito-a")).all()
        grants = session.exec(select(RoleGrant).where(RoleGrant.person_id == world.ids["sa"]))
        ends = [g.valid_until for g in grants if g.valid_until and g.revoked_at is None]
    assert (row.starts_on, row.until) == (OPEN.date(), date(2025, 10, 15))
    assert ends == [datetime(2025, 10, 15, 21, 0)]  # the end of the new last day in Helsinki


def test_nobody_to_name_when_nobody_around_has_joined(db: Database, engine: Engine) -> None:
    add_person(db, "alone", Role.MANAGER, "ohjaus", name="Yksin")
    chat(engine, "alone").send("/deputy").expect(
        "Nobody who could stand in for Asiakasohjaus (en) has joined the bot yet."
    )


async def test_away_leader_gets_no_escalation(world: World, clock: Clock, engine: Engine) -> None:
    clock.now = ESCALATION - timedelta(days=2)
    chat(engine, "lc").send("/away 2025-09-23").expect(
        "You are marked away until Tue, Sep 23, 2025. Meanwhile I send you no reminders."
    )
    chat(engine, "lc").send("/away").expect("You are marked away until Tue, Sep 23, 2025")
    clock.now = ESCALATION
    await world.reminders.run_due()
    assert world.recorder.chats() == ["la", "lk"]


def test_parse_day_reads_finnish_and_iso_dates() -> None:
    today = date(2025, 8, 25)
    assert parse_day("31.7.", today) == date(2026, 7, 31)  # already passed this year
    assert parse_day("30.9", today) == date(2025, 9, 30)
    assert parse_day("30.9.2025", today) == date(2025, 9, 30)
    assert parse_day("30.9.25", today) == date(2025, 9, 30)
    assert parse_day("2025-09-30", today) == date(2025, 9, 30)
    assert parse_day("25.8.", today) == today
    for bad in ("31.9.", "2025-02-30", "ensi viikolla", "", "1.2.3.4", "31.13.", "on"):
        assert parse_day(bad, today) is None


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("tänään", 25),
        ("huomenna", 26),
        ("i morgon", 26),
        ("Tomorrow", 26),
        ("ylihuomenna", 27),
        ("perjantaihin", 29),  # Monday 25.8.2025: the Friday of the same week
        ("perjantaina", 29),
        ("pe", 29),
        ("Fri.", 29),
        ("till fredag", 29),
        ("next Friday", 29),
        ("keskiviikkoon", 27),
        ("maanantai", 32),  # a week from today, not today
        ("ensi maanantaina", 32),
        ("söndag", 31),
        ("eilen", 24),  # read, so that the answer can say it has passed
        ("i går", 24),
        ("day before yesterday", 23),
    ],
)
def test_parse_day_reads_named_days(typed: str, day: int) -> None:
    today = date(2025, 8, 25)  # a Monday
    assert parse_day(typed, today) == today + timedelta(days=day - 25)


async def test_away_refuses_past_and_far_away_days(world: World, engine: Engine) -> None:
    ma = chat(engine, "ma")
    ma.send("/away 2025-08-24").expect("That day has already passed")
    ma.send("/away eilen").expect("That day has already passed")
    ma.send("/away 2027-01-01").expect("more than a year ahead")
    ma.send("/away off").expect("You were not marked away.")


async def test_away_for_a_time_ahead_is_planned_and_can_be_called_off(
    world: World, clock: Clock, engine: Engine
) -> None:
    clock.now = OPEN  # Monday 1.9.2025
    ma = chat(engine, "ma")
    ma.send("/away 16.–19.9.").expect(
        "You are marked away from Tue, Sep 16, 2025 until Fri, Sep 19, 2025.",
        "Kotihoito A (en) has no deputy yet",
    )
    ma.send("/away").expect("You will be away from Tue, Sep 16, 2025 until Fri, Sep 19, 2025.")
    clock.now = REMINDER_7  # Monday 15.9.: not away yet
    await world.reminders.run_due()
    assert "ma" in world.recorder.chats()
    world.recorder.take()
    clock.now = REMINDER_3  # Thursday 18.9.: away
    await world.reminders.run_due()
    assert "ma" not in world.recorder.chats()
    ma.send("/away off").expect("Welcome back!")
    with world.db.session() as session:
        [row] = session.exec(select(Absence).where(Absence.person_id == world.ids["ma"])).all()
    assert (row.starts_on, row.until) == (date(2025, 9, 16), date(2025, 9, 17))


async def test_away_now_and_a_time_ahead_are_kept_apart(world: World, engine: Engine) -> None:
    ma = chat(engine, "ma")
    ma.send("/away 1.10.2025 - 10.10.2025").expect("from Wed, Oct 1, 2025 until Fri, Oct 10")
    ma.send("/away huomenna").expect("You are marked away until")  # a day now, not October
    ma.send("/away off").expect("Welcome back!")
    ma.send("/away").expect("You will be away from Wed, Oct 1, 2025")
    ma.send("/away off").expect("Your time away from Wed, Oct 1, 2025 until Fri, Oct 10")
    ma.send("/away off").expect("You were not marked away.")
    ma.send("/away 10.10.-1.10.").expect("The first day comes after the last one")
    ma.send("/away 1.8.2025-20.8.2025").expect("That day has already passed")
    ma.send("/away 20.8.2025-2.9.2025").expect("You are marked away until Tue, Sep 2, 2025")
    ma.send("/away off").send("/away").expect("For a time ahead, write its first and last day")
    ma.send("1.10.-3.10.").expect("You are marked away from Wed, Oct 1, 2025 until Fri, Oct 3")


async def test_away_without_a_day_asks_for_it_and_keeps_asking_until_one_reads(
    world: World, engine: Engine, clock: Clock
) -> None:
    ma = chat(engine, "ma")
    # The examples are a month ahead, so that they could be typed as they are.
    ma.send("/away").expect("Until which day are you away (inclusive)? For example 24.9. or")
    ma.expect("2025-09-24").expect_button("Cancel")
    ma.send("kohta").expect("I could not read that date. Write it like 24.9. or 24.9.2025")
    ma.send("2025-08-24").expect("That day has already passed")
    ma.send("30.9.").expect("You are marked away until Tue, Sep 30, 2025.")
    ma.send("/away").expect("You are marked away until Tue, Sep 30, 2025. /away off ends it.")
    ma.send("/away off").expect("Welcome back!")
    ma.send("/away").press("Cancel").expect("Fine, you are not marked away.")
    ma.send("30.9.").expect("Nothing is waiting for an answer right now.")
    with world.db.session() as session:
        assert absences.current_absence(session, world.ids["ma"], date(2025, 9, 1)) is None


def test_button_data_fits_telegram_and_long_unit_ids_resolve() -> None:
    long_unit = "ikaihmisten-asiakaspaatosyksikko-pohjoinen-alue"
    data = button_data("snooze", "2025-T2", long_unit)
    assert len(data.encode()) <= 53 and data.endswith(unit_token(long_unit))
    token = data.rsplit(":", 1)[1]
    assert resolve_unit(token, ["kotihoito-a", long_unit]) == long_unit
    assert resolve_unit(token, ["kotihoito-a"]) is None
    assert button_data("start", "2025-T2", "ohjaus") == "rem:start:2025-T2:ohjaus"
