"""The reminder plan of a reporting period: pure, deterministic, no clock and no I/O.

For one period the plan has, at ``send_time`` local time:

* ``open``: on the opening day, pushed to the next working day (unless that is after the
  deadline day: then on the opening day itself, never before reporting opens);
* ``reminder-N``: for each N in ``reminder_days_before``, on deadline minus N days; a
  weekend or holiday moves it to the next working day, but never past the deadline day
  (then it moves back to the previous working day). A reminder that lands on the opening
  day or before it, or on the same day as an earlier reminder, is dropped;
* ``escalation``: ``escalation_days_after`` days after the deadline (next working day),
  when leaders get the list of units that have not reported.

Working-day moves apply only when ``working_days_only`` is set. The step key together
with the period and the person is the de-duplication key of a sent message.

"Remind me tomorrow" re-asks at ``send_time`` on the next working day
(:func:`remind_tomorrow_at`); no separate setting is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from collectors.calendar import adjust_to_working_day, is_supported_country, next_working_day
from collectors.periods import Period

__all__ = [
    "LateDecision",
    "PlannedStep",
    "ScheduleSettings",
    "StepKind",
    "decide_late",
    "local_send_instant",
    "plan_for_period",
    "remind_tomorrow_at",
]

LateDecision = Literal["send", "skip", "wait"]


class ScheduleSettings(BaseModel):
    """The ``[schedule]`` configuration section."""

    model_config = ConfigDict(extra="forbid")

    send_time: time = Field(
        default=time(9, 0),
        description="Local time of day (in the organisation's time zone, no UTC offset) at "
        "which opening messages, reminders and escalations are sent.",
    )
    reminder_days_before: list[int] = Field(
        default_factory=lambda: [7, 3, 1],
        description="Reminders are sent this many days before the deadline day; positive, "
        "unique, kept in descending order. An empty list sends no reminders.",
    )
    working_days_only: bool = Field(
        default=True,
        description="Move messages that fall on a weekend or public holiday to a working day.",
    )
    holiday_country: str = Field(
        default="FI",
        description="ISO 3166-1 country code whose public holidays are days off "
        "(as known to the holidays package).",
    )
    escalation_days_after: int = Field(
        default=1,
        ge=1,
        le=60,
        description="Days after the deadline day when leaders get the list of units that "
        "have not reported.",
    )
    late_grace_hours: int = Field(
        default=12,
        ge=0,
        description="A message whose moment passed during downtime is still sent if it is at "
        "most this many hours late; later ones are skipped, not sent late.",
    )
    escalate_named_managers: bool = Field(
        default=True,
        description="Name the managers of the missing units in the escalation message "
        "(otherwise only the units are listed).",
    )

    @field_validator("send_time")
    @classmethod
    def _naive_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError(
                "send_time is local to the organisation's time zone; give it without an "
                "offset, e.g. 09:00"
            )
        return value

    @field_validator("reminder_days_before")
    @classmethod
    def _reminder_days(cls, value: list[int]) -> list[int]:
        bad = [n for n in value if n <= 0]
        if bad:
            raise ValueError(f"reminder_days_before must be positive numbers of days, got {bad}")
        if len(set(value)) != len(value):
            raise ValueError(f"reminder_days_before has duplicates: {value}")
        return sorted(value, reverse=True)

    @field_validator("holiday_country")
    @classmethod
    def _country(cls, value: str) -> str:
        code = value.strip().upper()
        if not is_supported_country(code):
            raise ValueError(
                f"holiday_country {value!r} is not a country code known to the holidays "
                "package (e.g. FI, SE)"
            )
        return code


class StepKind(StrEnum):
    """What a planned step sends."""

    OPEN = "open"
    REMINDER = "reminder"
    ESCALATION = "escalation"


_KIND_ORDER = {StepKind.OPEN: 0, StepKind.REMINDER: 1, StepKind.ESCALATION: 2}


@dataclass(frozen=True)
class PlannedStep:
    """One message of a period's plan.

    Attributes:
        kind: Opening message, reminder or escalation.
        key: Stable key ("open", "reminder-7", "escalation"); with the period and person
            it de-duplicates sends.
        due: When to send, aware and in UTC.
        nominal_day: The day the rule names, before any move to a working day.
    """

    kind: StepKind
    key: str
    due: datetime
    nominal_day: date


def local_send_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Return the UTC instant of a local wall-clock time on a day.

    A wall-clock time skipped by a DST change (e.g. 03:30 on the last Sunday of March in
    Helsinki) is read with the offset in force before the change.

    Args:
        day: The local calendar day.
        at: The local time of day (naive).
        tz: The organisation's time zone.

    Returns:
        An aware datetime in UTC.
    """
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz).astimezone(UTC)


def _step(
    kind: StepKind, key: str, nominal: date, day: date, s: ScheduleSettings, tz: ZoneInfo
) -> PlannedStep:
    return PlannedStep(kind, key, local_send_instant(day, s.send_time, tz), nominal)


def plan_for_period(period: Period, settings: ScheduleSettings, tz: ZoneInfo) -> list[PlannedStep]:
    """Plan the opening message, reminders and escalation of a period.

    Args:
        period: The period; its ``opens_on`` and ``deadline`` drive the plan.
        settings: The schedule settings.
        tz: The organisation's time zone; ``send_time`` is local to it.

    Returns:
        The steps sorted by due time.
    """
    country = settings.holiday_country
    deadline = period.deadline

    def move(day: date, *, limit: date | None) -> date:
        if not settings.working_days_only:
            return day
        return adjust_to_working_day(day, not_after=limit, country=country)

    open_day = move(period.opens_on, limit=None)
    if open_day > deadline:
        # A window made only of days off: open on its first day rather than before it.
        open_day = period.opens_on
    steps = [_step(StepKind.OPEN, "open", period.opens_on, open_day, settings, tz)]
    used_days = {open_day}
    for days_before in settings.reminder_days_before:
        nominal = deadline - timedelta(days=days_before)
        day = move(nominal, limit=deadline)
        if day <= open_day or day in used_days:
            continue
        used_days.add(day)
        key = f"reminder-{days_before}"
        steps.append(_step(StepKind.REMINDER, key, nominal, day, settings, tz))
    nominal = deadline + timedelta(days=settings.escalation_days_after)
    day = move(nominal, limit=None)
    steps.append(_step(StepKind.ESCALATION, "escalation", nominal, day, settings, tz))
    return sorted(steps, key=lambda step: (step.due, _KIND_ORDER[step.kind]))


def decide_late(step: PlannedStep, now: datetime, settings: ScheduleSettings) -> LateDecision:
    """Decide what to do with a step at an instant (e.g. after downtime).

    Args:
        step: The planned step.
        now: The current instant, aware.
        settings: The schedule settings (``late_grace_hours``).

    Returns:
        "wait" if the step is not yet due, "send" if it is due and at most
        ``late_grace_hours`` late, "skip" if it is later than that.

    Raises:
        ValueError: If ``now`` is naive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    if now < step.due:
        return "wait"
    if now - step.due <= timedelta(hours=settings.late_grace_hours):
        return "send"
    return "skip"


def remind_tomorrow_at(
    now: datetime, settings: ScheduleSettings, tz: ZoneInfo, period: Period | None = None
) -> datetime | None:
    """Return when "remind me tomorrow" asks again: ``send_time`` on the next working day.

    The next day counts from the local date of ``now``; with ``working_days_only`` off it
    is simply tomorrow.

    Args:
        now: The instant the person pressed the button, aware.
        settings: The schedule settings.
        tz: The organisation's time zone.
        period: The period being reported; if given, a time at or after the end of its
            deadline day gives None.

    Returns:
        The aware UTC instant, or None if it would be after the period's deadline.

    Raises:
        ValueError: If ``now`` is naive.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    day = now.astimezone(tz).date() + timedelta(days=1)
    if settings.working_days_only:
        day = next_working_day(day, settings.holiday_country)
    due = local_send_instant(day, settings.send_time, tz)
    if period is not None and due >= period.deadline_end(tz):
        return None
    return due
