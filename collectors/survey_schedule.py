"""When survey rounds open, close and remind, by the schedule; pure computation.

A scheduled round of month M opens on ``open_day`` (the next working day when that is a day
off) at the schedule's ``send_time`` and takes answers for ``open_days`` days, until midnight.
Its label is ``YYYY-k``, the k-th round of the year. Opening and closing the rounds, and
their messages, are :mod:`collectors.survey_rounds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from collectors.calendar import adjust_to_working_day, is_working_day, next_working_day
from collectors.config import AppConfig
from collectors.schedule import local_send_instant
from collectors.survey_config import RoundSchedule, SurveyDefinition
from collectors.survey_results import definition_of
from storage import surveys
from storage.survey_models import SurveyRound

DEFAULT_OPEN_DAYS = 14
DEFAULT_REMINDERS = (3,)


@dataclass(frozen=True)
class PlannedRound:
    """A scheduled round: when it opens and closes, and its label."""

    survey_id: str
    label: str
    opens_at: datetime
    closes_at: datetime


def planned_rounds(
    definition: SurveyDefinition, config: AppConfig, year: int
) -> list[PlannedRound]:
    """The rounds a survey's schedule opens in ``year`` (none without a schedule)."""
    schedule = definition.rounds
    if schedule is None:
        return []
    settings, tz = config.schedule, config.tz
    out = []
    for number, month in enumerate(schedule.months(), start=1):
        nominal = date(year, month, schedule.open_day)
        opens_on = nominal
        if settings.working_days_only and not is_working_day(nominal, settings.holiday_country):
            opens_on = next_working_day(nominal, settings.holiday_country)
        closes_on = nominal + timedelta(days=schedule.open_days)
        out.append(
            PlannedRound(
                survey_id=definition.id,
                label=f"{year}-{number}",
                opens_at=local_send_instant(opens_on, settings.send_time, tz),
                closes_at=local_send_instant(closes_on, time(0, 0), tz),
            )
        )
    return out


def end_of_day(day: date, config: AppConfig) -> datetime:
    """Midnight after ``day`` in the organisation's time, as UTC."""
    return local_send_instant(day + timedelta(days=1), time(0, 0), config.tz)


def reminder_times(config: AppConfig, row: SurveyRound) -> list[tuple[int, datetime]]:
    """``(days before close, moment)`` of a round's reminders, earliest first."""
    definition = definition_of(config, row.survey_id)
    schedule: RoundSchedule | None = definition.rounds if definition is not None else None
    days = schedule.remind_days_before_close if schedule is not None else DEFAULT_REMINDERS
    settings, tz = config.schedule, config.tz
    closes_day = surveys.aware(row.closes_at).astimezone(tz).date()
    out = []
    for n in sorted(days, reverse=True):
        day = closes_day - timedelta(days=n)
        if settings.working_days_only:
            day = adjust_to_working_day(
                day, not_after=closes_day - timedelta(days=1), country=settings.holiday_country
            )
        moment = local_send_instant(day, settings.send_time, tz)
        if surveys.aware(row.opens_at) < moment < surveys.aware(row.closes_at):
            out.append((n, moment))
    return out


__all__ = [
    "DEFAULT_OPEN_DAYS",
    "DEFAULT_REMINDERS",
    "PlannedRound",
    "end_of_day",
    "planned_rounds",
    "reminder_times",
]
