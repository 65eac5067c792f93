"""Working days: weekends and public holidays, from the ``holidays`` package.

A working day is Monday to Friday and not a public holiday of the country (Finland by
default). The holidays come from :func:`holidays.country_holidays`, never from a list of
our own; for Finland the package counts Midsummer Eve and Christmas Eve as holidays,
which matches how Finnish workplaces treat them.

Reminder rule (product spec): a reminder whose day falls on a weekend or holiday is sent
on the *next* working day, but never after the deadline day; when the next working day
would be later than that, it is sent on the *previous* working day instead.
See :func:`adjust_to_working_day`.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

__all__ = [
    "adjust_to_working_day",
    "is_supported_country",
    "is_working_day",
    "next_working_day",
    "previous_working_day",
]

# No country has more than a couple of weeks of consecutive days off; this only guards
# against an endless loop on corrupt holiday data.
_MAX_SEARCH_DAYS = 60
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _holidays_for(country: str, year: int) -> holidays.HolidayBase:
    """Return the (cached) public holidays of one country and one year."""
    try:
        return holidays.country_holidays(country, years=year)
    except NotImplementedError as exc:
        raise ValueError(f"unknown holiday country code {country!r}") from exc


def is_supported_country(country: str) -> bool:
    """Tell whether the ``holidays`` package knows a country code.

    Args:
        country: ISO 3166-1 alpha-2 code such as ``"FI"`` or ``"SE"``.

    Returns:
        True if working days can be computed for the country.
    """
    return country in holidays.list_supported_countries()


def is_working_day(day: date, country: str = "FI") -> bool:
    """Tell whether a day is a working day (Mon-Fri and not a public holiday).

    Args:
        day: The calendar day.
        country: ISO country code whose public holidays apply.

    Returns:
        True for a working day.

    Raises:
        ValueError: If the country code is unknown to the ``holidays`` package.
    """
    if day.weekday() >= 5:
        return False
    return day not in _holidays_for(country, day.year)


def _search(day: date, step: timedelta, country: str) -> date:
    current = day
    for _ in range(_MAX_SEARCH_DAYS):
        if is_working_day(current, country):
            return current
        current += step
    raise ValueError(f"no working day within {_MAX_SEARCH_DAYS} days of {day.isoformat()}")


def next_working_day(day: date, country: str = "FI") -> date:
    """Return the day itself if it is a working day, else the first working day after it.

    Args:
        day: The starting day.
        country: ISO country code whose public holidays apply.

    Returns:
        The working day on or after ``day``.
    """
    return _search(day, _ONE_DAY, country)


def previous_working_day(day: date, country: str = "FI") -> date:
    """Return the day itself if it is a working day, else the last working day before it.

    Args:
        day: The starting day.
        country: ISO country code whose public holidays apply.

    Returns:
        The working day on or before ``day``.
    """
    return _search(day, -_ONE_DAY, country)


def adjust_to_working_day(day: date, *, not_after: date | None = None, country: str = "FI") -> date:
    """Move a planned day onto a working day the way reminders are moved.

    The day is pushed forward to the next working day; if that would be later than
    ``not_after`` (the deadline day), the previous working day is used instead, so a
    reminder is never sent after the deadline.

    Args:
        day: The nominal day (e.g. deadline minus three days).
        not_after: The latest acceptable day, or None for no limit.
        country: ISO country code whose public holidays apply.

    Returns:
        The working day on which to act.
    """
    forward = next_working_day(day, country)
    if not_after is None or forward <= not_after:
        return forward
    return previous_working_day(min(day, not_after), country)
