"""Reporting periods as the conversation sees them: stored, open, previous."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from collectors.config import AppConfig
from collectors.period_sequence import period_to_report, previous_period
from collectors.periods import Period, Scheme, canonical_period_id, period_from_id
from storage import reports
from storage.models import ReportingPeriod


def local_today(config: AppConfig, now: datetime) -> date:
    """The organisation's local date at ``now``."""
    return now.astimezone(config.tz).date()


def to_period(row: ReportingPeriod | reports.StoredPeriod) -> Period:
    """A stored period as a :class:`Period`."""
    return Period(
        id=row.id,
        scheme=Scheme(row.scheme),
        start=row.start,
        end=row.end,
        opens_on=row.opens_on,
        deadline=row.deadline,
    )


def store_period(session: Session, period: Period, now: datetime, *, manual: bool) -> Period:
    """Insert or update a period row."""
    reports.save_period(
        session,
        period_id=period.id,
        scheme=str(period.scheme),
        start=period.start,
        end=period.end,
        opens_on=period.opens_on,
        deadline=period.deadline,
        manual=manual,
        now=now,
    )
    return period


def ensure_current_period(session: Session, config: AppConfig, now: datetime) -> Period | None:
    """Store the scheme's period whose reporting window is open today, if any."""
    period = period_to_report(local_today(config, now), config.periods)
    if period is None:
        return None
    stored = reports.get_period(session, period.id)
    if stored is not None:
        return to_period(stored)
    return store_period(session, period, now, manual=False)


def open_periods(session: Session, config: AppConfig, now: datetime) -> list[Period]:
    """Every period open for reporting now (the scheme's and hand-opened ones), newest first."""
    ensure_current_period(session, config, now)
    periods = [to_period(row) for row in reports.open_periods(session, local_today(config, now))]
    return [period for period in periods if period.is_open(now, config.tz)]


def find_period(session: Session, config: AppConfig, period_id: str) -> Period:
    """A stored period, else the scheme's period with that id; the id may also be written as
    the bot shows it (``T1/2025``: :func:`collectors.periods.canonical_period_id`).

    Raises:
        ValueError: for an id that is neither stored nor valid in the scheme.
    """
    canonical = canonical_period_id(period_id)
    for candidate in dict.fromkeys((period_id.strip(), canonical)):
        row = reports.get_period(session, candidate)
        if row is not None:
            return to_period(row)
    return period_from_id(canonical, config.periods)


def previous_period_id(config: AppConfig, period: Period) -> str | None:
    """The id of the period before ``period`` in the organisation's scheme."""
    if period.scheme is Scheme.MANUAL:
        return None
    try:
        previous = previous_period(period, config.periods)
    except ValueError:
        return None
    return previous.id if previous is not None else None
