"""The periods a chart, summary or report spans: a period named in a command, the default
one, the periods before it, the year against the last, and a period's title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from collectors.config import AppConfig
from collectors.period_sequence import period_containing, periods_between, previous_period
from collectors.period_text import parse_period_text
from collectors.periods import Period, Scheme
from collectors.reporting import find_period, local_today, open_periods, to_period
from storage import reports

MAX_SPAN = 12
"""The most periods (or survey rounds) one chart goes back."""


def parse_period(session: Session, config: AppConfig, text: str) -> Period | None:
    """The period named in a command, or ``None`` when the text names none.

    By its id (``2025-T2``, or the id of a period opened by hand), as the bot shows it
    (``T2/2025``), or by its dates as written
    in reports (``5-8/2025``, ``1.5.-31.8.2025``: :func:`collectors.period_text.parse_period_text`).
    """
    try:
        return find_period(session, config, text)
    except ValueError:
        pass
    try:
        start, end = parse_period_text(text)
    except ValueError:
        return None
    return period_with_dates(session, config, start, end)


def period_with_dates(session: Session, config: AppConfig, start: date, end: date) -> Period | None:
    """The period running from ``start`` to ``end``: one of the scheme's, or a stored one.

    The scheme's period (stored or not) comes first, then one opened by hand with those
    dates; ``None`` when no period has them.
    """
    try:
        standard: Period | None = period_containing(start, config.periods)
    except ValueError:  # before the first year
        standard = None
    if standard is not None and (standard.start, standard.end) == (start, end):
        row = reports.get_period(session, standard.id)
        return to_period(row) if row is not None else standard
    rows = reports.periods_with_dates(session, start, end)
    return to_period(rows[0]) if rows else None


def default_period(session: Session, config: AppConfig, now: datetime) -> Period:
    """The period figures are shown for when none is named.

    The newest period open for reporting, else the newest stored period that has ended, else
    the scheme's last ended period.
    """
    current = open_periods(session, config, now)
    if current:
        return current[0]
    today = local_today(config, now)
    for row in reports.list_periods(session):
        if row.end < today:
            return to_period(row)
    ended = previous_period(period_containing(today, config.periods), config.periods)
    if ended is None:
        return period_containing(today, config.periods)
    return ended


def period_span(config: AppConfig, last: Period, count: int) -> list[Period]:
    """``count`` periods of the scheme ending with ``last``, oldest first.

    The span stops at the first year the system knows, so it may be shorter.
    """
    out = [last]
    current: Period | None = last
    while len(out) < max(1, min(count, MAX_SPAN)):
        current = previous_period(current, config.periods) if current is not None else None
        if current is None:
            break
        out.append(current)
    return list(reversed(out))


def previous_of(config: AppConfig, period: Period) -> Period | None:
    """The period before ``period`` in the scheme, if known."""
    return previous_period(period, config.periods)


@dataclass(frozen=True)
class YearSpans:
    """This year up to a period, and the same months of last year."""

    this_ids: tuple[str, ...]
    this_label: str
    last_ids: tuple[str, ...]
    last_label: str


def _months_label(start: date, end: date) -> str:
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year)
    return f"{start.month}–{end.month}/{start.year}"


def year_spans(config: AppConfig, period: Period) -> YearSpans:
    """The periods of the period's year up to it, and of the same months a year earlier."""
    end = period.end
    start = date(end.year, 1, 1)
    this = [p.id for p in periods_between(start, end, config.periods)]
    if period.scheme is Scheme.MANUAL and period.id not in this:
        this.append(period.id)
    try:
        last_end = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        last_end = end.replace(year=end.year - 1, day=28)
    last_start = date(end.year - 1, 1, 1)
    last = [p.id for p in periods_between(last_start, last_end, config.periods)]
    return YearSpans(
        tuple(this),
        _months_label(start, end),
        tuple(last),
        _months_label(last_start, last_end),
    )


def period_title(period: Period, language: str) -> str:
    """A period for a subtitle: its short label and its dates."""
    return f"{period.short_label()} ({period.label(language)})"


__all__ = [
    "MAX_SPAN",
    "YearSpans",
    "default_period",
    "parse_period",
    "period_span",
    "period_title",
    "period_with_dates",
    "previous_of",
    "year_spans",
]
