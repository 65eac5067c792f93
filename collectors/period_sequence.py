"""A scheme's periods in order: the one a day falls in, its neighbours and the one to report.

The periods themselves, their ids and reporting windows, are :mod:`collectors.periods`;
this module walks them: the configured scheme's period containing a day, the period before
and after one (a manual period's neighbours are the configured scheme's), the periods
overlapping a range of days, and the period whose reporting window is open today.
"""

from __future__ import annotations

from datetime import date, timedelta

from collectors.periods import Period, PeriodSettings, Scheme, period_in_scheme

__all__ = [
    "next_period",
    "period_containing",
    "period_to_report",
    "periods_between",
    "previous_period",
]


def period_containing(day: date, settings: PeriodSettings) -> Period:
    """Return the configured scheme's period that contains ``day``.

    Raises:
        ValueError: If the day is before ``first_year``.
    """
    return period_in_scheme(day, settings.scheme, settings)


def _scheme_of(period: Period, settings: PeriodSettings) -> Scheme:
    return settings.scheme if period.scheme is Scheme.MANUAL else period.scheme


def previous_period(period: Period, settings: PeriodSettings) -> Period | None:
    """Return the period just before ``period`` in the same scheme.

    For a manual period, the configured scheme's period containing the day before it
    starts. Returns None if that would be before ``first_year``.
    """
    day = period.start - timedelta(days=1)
    if day.year < settings.first_year:
        return None
    return period_in_scheme(day, _scheme_of(period, settings), settings)


def next_period(period: Period, settings: PeriodSettings) -> Period:
    """Return the period just after ``period`` in the same scheme.

    For a manual period, the configured scheme's period containing the day after it ends.
    """
    return period_in_scheme(period.end + timedelta(days=1), _scheme_of(period, settings), settings)


def periods_between(start: date, end: date, settings: PeriodSettings) -> list[Period]:
    """List the configured scheme's periods overlapping ``[start, end]``, oldest first.

    Days before ``first_year`` are ignored, so a range reaching further back starts at the
    first known period.

    Args:
        start: First day of the range.
        end: Last day of the range (inclusive).
        settings: The period settings.

    Returns:
        The periods in chronological order (empty if the range ends before ``first_year``).

    Raises:
        ValueError: If ``start`` is after ``end``.
    """
    if start > end:
        raise ValueError(f"start {start.isoformat()} is after end {end.isoformat()}")
    first_day = date(settings.first_year, 1, 1)
    if end < first_day:
        return []
    current = period_containing(max(start, first_day), settings)
    result = [current]
    while current.end < end:
        current = next_period(current, settings)
        result.append(current)
    return result


def period_to_report(today: date, settings: PeriodSettings) -> Period | None:
    """Return the most recent period whose reporting window contains ``today``.

    Args:
        today: The organisation's local date.
        settings: The period settings.

    Returns:
        The period with ``opens_on <= today <= deadline`` that ended last, or None when no
        reporting window is open.
    """
    probe = today - timedelta(days=settings.opens_days_after_end)
    if probe.year < settings.first_year:
        return None
    candidate: Period | None = period_containing(probe, settings)
    if candidate is not None and candidate.opens_on > today:  # ends after probe: not open yet
        candidate = previous_period(candidate, settings)
    # Deadlines grow with period ends, so if the latest opened period is closed, all are.
    if candidate is None or candidate.deadline < today:
        return None
    return candidate
