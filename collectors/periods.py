"""Reporting periods: schemes, ids, reporting windows and periods opened by hand.

A county reports per tertile (1-4, 5-8, 9-12), half-year, quarter, month or year. Each
period has a stable id (``2025-T1``, ``2025-H2``, ``2025-Q3``, ``2025-M01``, ``2025``) and a
reporting window: it opens ``opens_days_after_end`` days after the period ends and closes
at the end of the deadline day, ``deadline_days_after_end`` days after the end, in the
organisation's time zone. An administrator may also open a period by hand with its own
dates and deadline (:func:`manual_period`). Which period a day falls in, the periods before
and after one, and the one to report today are :mod:`collectors.period_sequence`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Self
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_interval
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Period",
    "PeriodSettings",
    "Scheme",
    "canonical_period_id",
    "dates_label",
    "manual_period",
    "period_from_id",
    "period_in_scheme",
]

_LAST_YEAR = 9998  # date.max.year - 1, so that period_sequence.next_period() never overflows


class Scheme(StrEnum):
    """How the year is divided into reporting periods."""

    TERTILE = "tertile"
    HALF = "half"
    QUARTER = "quarter"
    MONTH = "month"
    YEAR = "year"
    MANUAL = "manual"
    """A period opened by hand by an administrator; never a configured scheme."""


# scheme -> (id letter, months per period)
_LAYOUT: dict[Scheme, tuple[str, int]] = {
    Scheme.TERTILE: ("T", 4),
    Scheme.HALF: ("H", 6),
    Scheme.QUARTER: ("Q", 3),
    Scheme.MONTH: ("M", 1),
    Scheme.YEAR: ("", 12),
}
_SCHEME_BY_LETTER = {letter: scheme for scheme, (letter, _) in _LAYOUT.items() if letter}
_ID_RE = re.compile(r"(?P<year>\d{4})(?:-(?P<letter>[THQM])(?P<number>\d{1,2}))?")
_MANUAL_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_LABEL_RE = re.compile(
    r"(?P<letter>[THQM])(?P<number>\d{1,2}) ?[/ -] ?(?P<year>\d{4}|\d{2})"
    r"|(?P<year_first>\d{4}) ?[/ ]? ?(?P<letter_after>[THQM])(?P<number_after>\d{1,2})",
    re.IGNORECASE,
)


class PeriodSettings(BaseModel):
    """The ``[periods]`` configuration section."""

    model_config = ConfigDict(extra="forbid")

    scheme: Scheme = Field(
        default=Scheme.TERTILE,
        description="How the year is divided: tertile (1-4, 5-8, 9-12), half, quarter, "
        "month or year.",
    )
    opens_days_after_end: int = Field(
        default=1,
        ge=0,
        le=366,
        description="Reporting opens this many days after the last day of the period "
        "(1 = the day after it ends, 0 = on its last day).",
    )
    deadline_days_after_end: int = Field(
        default=21,
        ge=0,
        le=366,
        description="The deadline day is this many days after the last day of the period; "
        "reporting closes at the end of that day in the organisation's time zone.",
    )
    first_year: int = Field(
        default=2024,
        ge=1900,
        le=_LAST_YEAR,
        description="The earliest year whose periods the system knows; older ids are rejected.",
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.scheme is Scheme.MANUAL:
            raise ValueError(
                "scheme 'manual' cannot be configured; choose tertile, half, quarter, month "
                "or year (manual periods are opened by an administrator)"
            )
        if self.deadline_days_after_end < self.opens_days_after_end:
            raise ValueError(
                f"deadline_days_after_end ({self.deadline_days_after_end}) must not be "
                f"smaller than opens_days_after_end ({self.opens_days_after_end}): the "
                "deadline cannot come before reporting opens"
            )
        return self


@dataclass(frozen=True)
class Period:
    """One reporting period and its reporting window.

    Attributes:
        id: Stable id such as ``2025-T1``, or an administrator's id for a manual period.
        scheme: The scheme the period belongs to (MANUAL for a hand-opened period).
        start: First day of the period.
        end: Last day of the period (inclusive).
        opens_on: First day on which the period can be reported.
        deadline: Last day on which the period can be reported.
    """

    id: str
    scheme: Scheme
    start: date
    end: date
    opens_on: date
    deadline: date

    def contains(self, day: date) -> bool:
        """Tell whether ``start <= day <= end``."""
        return self.start <= day <= self.end

    def label(self, locale: str = "fi") -> str:
        """Return the period's dates as a reader expects them in a report.

        Finnish uses the numeric form of the reports ("1.1.–30.4.2025"); Swedish and
        English use abbreviated month names ("1 jan.–30 apr. 2025", "Jan 1 – Apr 30, 2025"),
        which avoids the day/month ambiguity of numeric dates.

        Args:
            locale: A Babel locale identifier such as ``fi``, ``sv`` or ``en``.

        Returns:
            The localized date range.
        """
        return dates_label(self.start, self.end, locale)

    def short_label(self) -> str:
        """Return a compact label for chart axes: ``T1/2025``, ``2025``, or a manual id."""
        if self.scheme is Scheme.MANUAL:
            return self.id
        if self.scheme is Scheme.YEAR:
            return str(self.start.year)
        return f"{self.id[5:]}/{self.start.year}"

    def opens_at(self, tz: ZoneInfo) -> datetime:
        """Return when reporting opens: the start of the opening day in ``tz`` (aware)."""
        return _start_of_day(self.opens_on, tz)

    def deadline_end(self, tz: ZoneInfo) -> datetime:
        """Return when reporting closes: the end of the deadline day in ``tz`` (aware).

        This is the midnight that starts the next day, so reporting is open while
        ``opens_at(tz) <= now < deadline_end(tz)``.
        """
        return _start_of_day(self.deadline + timedelta(days=1), tz)

    def is_open(self, now: datetime, tz: ZoneInfo) -> bool:
        """Tell whether ``opens_at(tz) <= now < deadline_end(tz)``; ``now`` must be aware.

        Raises:
            ValueError: If ``now`` is naive.
        """
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be an aware datetime")
        return self.opens_at(tz) <= now < self.deadline_end(tz)


def dates_label(start: date, end: date, locale: str = "fi") -> str:
    """Two days as a period's dates (:meth:`Period.label`): "1.1.–30.4.2025"."""
    loc = Locale.parse(locale.replace("-", "_"))
    skeleton = "yMd" if loc.language == "fi" else "yMMMd"
    return str(format_interval(start, end, skeleton, locale=loc))


def _start_of_day(day: date, tz: ZoneInfo) -> datetime:
    # Round trip through UTC so that a local midnight skipped by a DST change (not the
    # case in Europe/Helsinki, where clocks change at 03:00/04:00) becomes a real instant.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(ZoneInfo("UTC")).astimezone(tz)


def _bounds(scheme: Scheme, year: int, number: int) -> tuple[date, date]:
    months = _LAYOUT[scheme][1]
    first_month = (number - 1) * months + 1
    last_month = first_month + months - 1
    last_day = calendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last_day)


def _format_id(scheme: Scheme, year: int, number: int) -> str:
    if scheme is Scheme.YEAR:
        return f"{year:04d}"
    if scheme is Scheme.MONTH:
        return f"{year:04d}-M{number:02d}"
    return f"{year:04d}-{_LAYOUT[scheme][0]}{number}"


def _make(scheme: Scheme, year: int, number: int, settings: PeriodSettings) -> Period:
    start, end = _bounds(scheme, year, number)
    return Period(
        id=_format_id(scheme, year, number),
        scheme=scheme,
        start=start,
        end=end,
        opens_on=end + timedelta(days=settings.opens_days_after_end),
        deadline=end + timedelta(days=settings.deadline_days_after_end),
    )


def _check_year(year: int, settings: PeriodSettings, what: str) -> None:
    if year < settings.first_year:
        raise ValueError(f"{what} is before {settings.first_year}, the first year the system knows")
    if year > _LAST_YEAR:
        raise ValueError(f"{what} is after {_LAST_YEAR}")


def _parse_id(period_id: str) -> tuple[Scheme, int, int]:
    match = _ID_RE.fullmatch(period_id.strip().upper())
    if match is None:
        raise ValueError(
            f"{period_id!r} is not a period id; expected e.g. 2025-T1, 2025-H2, 2025-Q3, "
            "2025-M01 or 2025"
        )
    year = int(match["year"])
    letter = match["letter"]
    if letter is None:
        return Scheme.YEAR, year, 1
    scheme = _SCHEME_BY_LETTER[letter]
    digits = match["number"]
    count = 12 // _LAYOUT[scheme][1]
    width = 2 if scheme is Scheme.MONTH else 1
    number = int(digits)
    if len(digits) != width or not 1 <= number <= count:
        example = "M01..M12" if scheme is Scheme.MONTH else f"{letter}1..{letter}{count}"
        raise ValueError(
            f"{period_id!r} is not a valid {scheme.value} period id; the {scheme.value} "
            f"periods of a year are {example}"
        )
    return scheme, year, number


def canonical_period_id(text: str) -> str:
    """A period written as the bot shows it (``T1/2025``, ``t1/25``, ``T1 2025``, ``2025 T1``)
    as its id (``2025-T1``); any other text as it is, without surrounding spaces."""
    value = " ".join(text.split())
    match = _LABEL_RE.fullmatch(value)
    if match is None:
        return value
    letter = (match["letter"] or match["letter_after"]).upper()
    number = match["number"] or match["number_after"]
    year = match["year"] or match["year_first"]
    if len(year) == 2:
        year = f"20{year}"
    if letter == "M":
        number = number.zfill(2)
    return f"{year}-{letter}{number}"


def period_from_id(period_id: str, settings: PeriodSettings) -> Period:
    """Build the period named by an id such as ``2025-T1``.

    Any scheme's id is accepted whatever the configured scheme; the reporting window
    comes from ``settings``.

    Args:
        period_id: ``YYYY-Tn`` (n 1-3), ``YYYY-Hn`` (1-2), ``YYYY-Qn`` (1-4), ``YYYY-Mnn``
            (01-12) or ``YYYY``.
        settings: The period settings.

    Returns:
        The period.

    Raises:
        ValueError: If the id is malformed, out of range or before ``first_year``.
    """
    scheme, year, number = _parse_id(period_id)
    _check_year(year, settings, f"period {period_id!r}")
    return _make(scheme, year, number, settings)


def period_in_scheme(day: date, scheme: Scheme, settings: PeriodSettings) -> Period:
    """Return the period of ``scheme`` that contains ``day``, with the window of ``settings``.

    Raises:
        ValueError: If the day is before ``first_year``.
    """
    _check_year(day.year, settings, f"day {day.isoformat()}")
    number = (day.month - 1) // _LAYOUT[scheme][1] + 1
    return _make(scheme, day.year, number, settings)


def manual_period(
    period_id: str, start: date, end: date, deadline: date, opens_on: date | None = None
) -> Period:
    """Build a period that an administrator opens by hand with its own deadline.

    A standard id (e.g. ``2025-T1``) with that period's own dates gives the standard period
    with a different deadline; any other id (letters, digits, ``.``, ``_``, ``-``) gives a
    MANUAL period.

    Args:
        period_id: The period's id.
        start: First day of the period.
        end: Last day of the period (inclusive).
        deadline: Last day on which it can be reported.
        opens_on: First day on which it can be reported; by default the day after ``end``
            (an administrator opening it today passes today).

    Returns:
        The period.

    Raises:
        ValueError: On an invalid id, ``start`` after ``end``, a deadline before the
            opening day, or a standard id with dates other than its own.
    """
    if start > end:
        raise ValueError(f"start {start.isoformat()} is after end {end.isoformat()}")
    opening = opens_on if opens_on is not None else end + timedelta(days=1)
    if deadline < opening:
        raise ValueError(
            f"deadline {deadline.isoformat()} is before reporting opens on {opening.isoformat()}"
        )
    if _ID_RE.fullmatch(period_id.strip().upper()) is not None:
        # Shaped like a standard id: it must be a valid one and keep its own dates.
        scheme, year, number = _parse_id(period_id)
        own_start, own_end = _bounds(scheme, year, number)
        if (start, end) != (own_start, own_end):
            raise ValueError(
                f"{period_id!r} names {own_start.isoformat()}..{own_end.isoformat()}; "
                "choose another id for a period with other dates"
            )
        period_id = _format_id(scheme, year, number)
    elif _MANUAL_ID_RE.fullmatch(period_id):
        scheme = Scheme.MANUAL
    else:
        raise ValueError(
            f"{period_id!r} is not a usable period id: use 1-40 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return Period(period_id, scheme, start, end, opening, deadline)
