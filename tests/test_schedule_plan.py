"""Tests for collectors.schedule: the reminder plan with concrete Finnish dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from collectors.calendar import is_working_day
from collectors.periods import Period, PeriodSettings, Scheme, manual_period, period_from_id
from collectors.schedule import (
    PlannedStep,
    ScheduleSettings,
    StepKind,
    decide_late,
    local_send_instant,
    plan_for_period,
    remind_tomorrow_at,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
DEFAULT = ScheduleSettings()
TERTILES = PeriodSettings()


def utc(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def days(plan: list[PlannedStep]) -> dict[str, date]:
    """Map each step key to its local sending day."""
    return {step.key: step.due.astimezone(HELSINKI).date() for step in plan}


def month_period(period_id: str, deadline_days_after_end: int) -> Period:
    cfg = PeriodSettings(scheme=Scheme.MONTH, deadline_days_after_end=deadline_days_after_end)
    return period_from_id(period_id, cfg)


# --- settings -----------------------------------------------------------------------------


def test_settings_defaults_and_normalization() -> None:
    assert DEFAULT.send_time == time(9, 0)
    assert DEFAULT.reminder_days_before == [7, 3, 1]
    assert DEFAULT.working_days_only is True
    assert DEFAULT.holiday_country == "FI"
    assert DEFAULT.escalation_days_after == 1
    assert DEFAULT.late_grace_hours == 12
    assert DEFAULT.escalate_named_managers is True
    loaded = ScheduleSettings.model_validate(
        {"send_time": "08:30", "reminder_days_before": [1, 10, 3], "holiday_country": "se"}
    )
    assert loaded.send_time == time(8, 30)
    assert loaded.reminder_days_before == [10, 3, 1]
    assert loaded.holiday_country == "SE"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reminder_days_before": [3, 0]}, "positive"),
        ({"reminder_days_before": [3, -1]}, "positive"),
        ({"reminder_days_before": [3, 3]}, "duplicates"),
        ({"holiday_country": "XX"}, "holiday_country 'XX'"),
        ({"send_time": "09:00+02:00"}, "without an offset"),
        ({"escalation_days_after": 0}, "greater than or equal to 1"),
        ({"late_grace_hours": -1}, "greater than or equal to 0"),
        ({"remind_tomorrow_hour": 9}, "extra"),
    ],
)
def test_settings_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ScheduleSettings.model_validate(data)


# --- plans --------------------------------------------------------------------------------


def test_plan_for_tertile_one_2025() -> None:
    # T1 ends Wed 30 Apr; opens Thu 1 May (May Day) -> Fri 2 May; deadline Wed 21 May.
    plan = plan_for_period(period_from_id("2025-T1", TERTILES), DEFAULT, HELSINKI)
    assert [(s.kind, s.key) for s in plan] == [
        (StepKind.OPEN, "open"),
        (StepKind.REMINDER, "reminder-7"),
        (StepKind.REMINDER, "reminder-3"),
        (StepKind.REMINDER, "reminder-1"),
        (StepKind.ESCALATION, "escalation"),
    ]
    assert [s.due for s in plan] == [
        utc(2025, 5, 2, 6),
        utc(2025, 5, 14, 6),
        utc(2025, 5, 19, 6),  # Sun 18 May -> Mon 19 May
        utc(2025, 5, 20, 6),
        utc(2025, 5, 22, 6),
    ]
    assert [s.nominal_day for s in plan] == [
        date(2025, 5, 1),
        date(2025, 5, 14),
        date(2025, 5, 18),
        date(2025, 5, 20),
        date(2025, 5, 22),
    ]
    assert all(s.due.tzinfo is UTC for s in plan)


def test_saturday_moves_to_monday_and_a_day_is_used_once() -> None:
    # T2 2025: deadline Sun 21 Sep. 8 days before is Sat 13 Sep, 7 days before Sun 14 Sep:
    # both move to Mon 15 Sep and only the first is kept. 1 day before is Sat 20 Sep; Monday
    # would be after the deadline, so it goes back to Fri 19 Sep.
    cfg = DEFAULT.model_copy(update={"reminder_days_before": [8, 7, 1]})
    plan = plan_for_period(period_from_id("2025-T2", TERTILES), cfg, HELSINKI)
    assert days(plan) == {
        "open": date(2025, 9, 1),
        "reminder-8": date(2025, 9, 15),
        "reminder-1": date(2025, 9, 19),
        "escalation": date(2025, 9, 22),
    }


def test_midsummer_2025() -> None:
    # May 2025 with deadline 21 days after the end: Sat 21 Jun, Midsummer Day.
    plan = plan_for_period(month_period("2025-M05", 21), DEFAULT, HELSINKI)
    assert days(plan) == {
        "open": date(2025, 6, 2),  # Sun 1 Jun -> Mon
        "reminder-7": date(2025, 6, 16),  # Sat 14 Jun -> Mon
        "reminder-3": date(2025, 6, 18),
        "reminder-1": date(2025, 6, 19),  # Midsummer Eve; Mon 23 is too late -> Thu 19
        "escalation": date(2025, 6, 23),  # Sun 22 Jun -> Mon
    }


def test_independence_day_2024() -> None:
    # November 2024, deadline Mon 9 Dec. Opens Sun 1 Dec -> Mon 2 Dec, which is also 7 days
    # before the deadline: that reminder is dropped. 3 days before is Independence Day
    # (Fri 6 Dec) -> Mon 9 Dec; 1 day before (Sun 8 Dec) also lands on Mon 9 Dec: dropped.
    plan = plan_for_period(month_period("2024-M11", 9), DEFAULT, HELSINKI)
    assert days(plan) == {
        "open": date(2024, 12, 2),
        "reminder-3": date(2024, 12, 9),
        "escalation": date(2024, 12, 10),
    }
    assert plan[1].nominal_day == date(2024, 12, 6)
    assert plan[1].due == utc(2024, 12, 9, 7)  # winter time: 09:00 is 07:00 UTC


def test_christmas_2025() -> None:
    # November 2025, deadline Sat 27 Dec. 3 days before is Christmas Eve; the next working
    # day (Mon 29 Dec) is after the deadline, so the reminder goes to Tue 23 Dec; the
    # 1-day reminder (Fri 26 Dec) lands there too and is dropped.
    plan = plan_for_period(month_period("2025-M11", 27), DEFAULT, HELSINKI)
    assert days(plan) == {
        "open": date(2025, 12, 1),
        "reminder-7": date(2025, 12, 22),
        "reminder-3": date(2025, 12, 23),
        "escalation": date(2025, 12, 29),
    }


def test_new_year_opening() -> None:
    plan = plan_for_period(period_from_id("2025-T3", TERTILES), DEFAULT, HELSINKI)
    assert plan[0].key == "open"
    assert plan[0].nominal_day == date(2026, 1, 1)
    assert plan[0].due == utc(2026, 1, 2, 7)


def test_dst_switch() -> None:
    # Opens Fri 28 Mar 2025 (winter, UTC+2); summer time from Sun 30 Mar (UTC+3).
    period = manual_period(
        "spring", date(2025, 1, 1), date(2025, 3, 27), date(2025, 4, 4), opens_on=date(2025, 3, 28)
    )
    plan = plan_for_period(period, DEFAULT, HELSINKI)
    assert [(s.key, s.due) for s in plan] == [
        ("open", utc(2025, 3, 28, 7)),  # reminder-7 falls on the opening day: dropped
        ("reminder-3", utc(2025, 4, 1, 6)),
        ("reminder-1", utc(2025, 4, 3, 6)),
        ("escalation", utc(2025, 4, 7, 6)),  # Sat 5 Apr -> Mon 7 Apr
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 3, 29), utc(2025, 3, 29, 7)),
        (date(2025, 3, 30), utc(2025, 3, 30, 6)),  # the switch day itself
        (date(2025, 10, 25), utc(2025, 10, 25, 6)),
        (date(2025, 10, 26), utc(2025, 10, 26, 7)),
    ],
)
def test_local_send_instant_around_dst(day: date, expected: datetime) -> None:
    assert local_send_instant(day, time(9, 0), HELSINKI) == expected


def test_local_send_instant_in_the_spring_gap_uses_the_old_offset() -> None:
    assert local_send_instant(date(2025, 3, 30), time(3, 30), HELSINKI) == utc(2025, 3, 30, 1, 30)


def test_without_working_days_nothing_moves() -> None:
    cfg = DEFAULT.model_copy(update={"working_days_only": False, "send_time": time(16, 15)})
    plan = plan_for_period(period_from_id("2025-T2", TERTILES), cfg, HELSINKI)
    assert all(s.due.astimezone(HELSINKI).date() == s.nominal_day for s in plan)
    assert days(plan)["reminder-1"] == date(2025, 9, 20)  # a Saturday
    assert plan[0].due == utc(2025, 9, 1, 13, 15)


def test_no_reminders_and_late_escalation() -> None:
    cfg = DEFAULT.model_copy(update={"reminder_days_before": [], "escalation_days_after": 3})
    plan = plan_for_period(period_from_id("2025-T1", TERTILES), cfg, HELSINKI)
    assert [s.key for s in plan] == ["open", "escalation"]
    assert plan[1].nominal_day == date(2025, 5, 24)  # Saturday
    assert plan[1].due == utc(2025, 5, 26, 6)


def test_reminders_before_a_late_opening_are_dropped() -> None:
    period = manual_period(
        "short", date(2025, 9, 1), date(2025, 9, 30), date(2025, 10, 8), opens_on=date(2025, 10, 6)
    )
    plan = plan_for_period(period, DEFAULT, HELSINKI)
    assert [s.key for s in plan] == ["open", "reminder-1", "escalation"]


def test_a_window_of_days_off_opens_on_its_first_day() -> None:
    # Opens and closes on Sat 6 Dec 2025 (Independence Day): never open before that day.
    period = manual_period(
        "odd", date(2025, 11, 1), date(2025, 11, 30), date(2025, 12, 6), opens_on=date(2025, 12, 6)
    )
    plan = plan_for_period(period, DEFAULT, HELSINKI)
    assert days(plan) == {"open": date(2025, 12, 6), "escalation": date(2025, 12, 8)}


def test_plan_is_deterministic() -> None:
    period = period_from_id("2025-T1", TERTILES)
    assert plan_for_period(period, DEFAULT, HELSINKI) == plan_for_period(period, DEFAULT, HELSINKI)


@settings(max_examples=150, deadline=None)
@given(
    month=st.integers(min_value=0, max_value=12 * 5 - 1),
    opens=st.integers(min_value=0, max_value=10),
    extra=st.integers(min_value=0, max_value=40),
    offsets=st.sets(st.integers(min_value=1, max_value=30), max_size=5),
)
def test_plan_invariants(month: int, opens: int, extra: int, offsets: set[int]) -> None:
    cfg = PeriodSettings(
        scheme=Scheme.MONTH, opens_days_after_end=opens, deadline_days_after_end=opens + extra
    )
    period = period_from_id(f"{2024 + month // 12}-M{month % 12 + 1:02d}", cfg)
    sched = DEFAULT.model_copy(update={"reminder_days_before": sorted(offsets, reverse=True)})
    plan = plan_for_period(period, sched, HELSINKI)
    local_days = [s.due.astimezone(HELSINKI).date() for s in plan]
    assert plan == sorted(plan, key=lambda s: s.due)
    assert len(set(local_days)) == len(local_days)
    assert plan[0].kind is StepKind.OPEN
    assert plan[-1].kind is StepKind.ESCALATION
    assert period.opens_on <= local_days[0] <= period.deadline
    assert all(s.due.astimezone(HELSINKI).time() == time(9, 0) for s in plan)
    assert all(is_working_day(d) for d in local_days[1:])
    assert is_working_day(local_days[0]) or local_days[0] == period.opens_on
    for step, day in zip(plan, local_days, strict=True):
        if step.kind is StepKind.REMINDER:
            assert local_days[0] < day <= period.deadline
            assert step.due < period.deadline_end(HELSINKI)
    assert local_days[-1] > period.deadline


# --- late decisions -----------------------------------------------------------------------

STEP = PlannedStep(StepKind.REMINDER, "reminder-3", utc(2025, 5, 19, 6), date(2025, 5, 18))


@pytest.mark.parametrize(
    ("now", "grace", "expected"),
    [
        (utc(2025, 5, 19, 5, 59, 59), 12, "wait"),
        (utc(2025, 5, 19, 6), 12, "send"),
        (utc(2025, 5, 19, 18), 12, "send"),
        (utc(2025, 5, 19, 18, 0, 1), 12, "skip"),
        (utc(2025, 5, 21, 6), 12, "skip"),
        (utc(2025, 5, 19, 6), 0, "send"),
        (utc(2025, 5, 19, 6, 0, 1), 0, "skip"),
        (utc(2025, 5, 21, 5), 48, "send"),
    ],
)
def test_decide_late(now: datetime, grace: int, expected: str) -> None:
    cfg = DEFAULT.model_copy(update={"late_grace_hours": grace})
    assert decide_late(STEP, now, cfg) == expected


def test_decide_late_accepts_any_zone_and_rejects_naive() -> None:
    assert decide_late(STEP, datetime(2025, 5, 19, 9, 0, tzinfo=HELSINKI), DEFAULT) == "send"
    assert decide_late(STEP, datetime(2025, 5, 19, 8, 59, tzinfo=HELSINKI), DEFAULT) == "wait"
    with pytest.raises(ValueError, match="aware"):
        decide_late(STEP, datetime(2025, 5, 19, 12, 0), DEFAULT)


# --- remind me tomorrow -------------------------------------------------------------------


def test_remind_tomorrow_skips_midsummer() -> None:
    thursday = datetime(2025, 6, 19, 14, 0, tzinfo=HELSINKI)
    assert remind_tomorrow_at(thursday, DEFAULT, HELSINKI) == utc(2025, 6, 23, 6)
    plain = DEFAULT.model_copy(update={"working_days_only": False})
    assert remind_tomorrow_at(thursday, plain, HELSINKI) == utc(2025, 6, 20, 6)


def test_remind_tomorrow_uses_the_local_date() -> None:
    # 22:30 UTC on Tue 3 Jun is already Wed 4 Jun 01:30 in Helsinki: tomorrow is Thursday.
    assert remind_tomorrow_at(utc(2025, 6, 3, 22, 30), DEFAULT, HELSINKI) == utc(2025, 6, 5, 6)


def test_remind_tomorrow_not_after_the_deadline() -> None:
    period = month_period("2025-M05", 21)  # deadline Sat 21 Jun 2025
    thursday = datetime(2025, 6, 19, 14, 0, tzinfo=HELSINKI)
    assert remind_tomorrow_at(thursday, DEFAULT, HELSINKI, period) is None
    wednesday = thursday - timedelta(days=1)
    assert remind_tomorrow_at(wednesday, DEFAULT, HELSINKI, period) == utc(2025, 6, 19, 6)
    with pytest.raises(ValueError, match="aware"):
        remind_tomorrow_at(datetime(2025, 6, 19, 14, 0), DEFAULT, HELSINKI)
