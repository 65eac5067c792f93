"""Periods as written in reports: ``1.1.2025 - 30.6.2025``, ``9-12.2023``, ``5-8/2024``.

The first and last day such a text names, whatever dash separates them. The figure commands
take a period written this way (:func:`collectors.chart_periods.parse_period`), and a period's
Finnish label (:meth:`collectors.periods.Period.label`) reads back as its own dates.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

__all__ = ["parse_period_text"]

_DASH = r"\s*[-–—−]\s*"
_FULL_RANGE_RE = re.compile(
    r"(?P<d1>\d{1,2})\.(?P<m1>\d{1,2})\.(?P<y1>\d{2}|\d{4})?"
    + _DASH
    + r"(?P<d2>\d{1,2})\.(?P<m2>\d{1,2})\.(?P<y2>\d{2}|\d{4})"
)
_MONTH_RANGE_RE = re.compile(
    r"(?P<m1>\d{1,2})" + _DASH + r"(?P<m2>\d{1,2})\s*[./]\s*(?P<year>\d{2}|\d{4})"
)


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _day(text: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"{text!r} names an impossible date: {exc}") from None


def parse_period_text(text: str) -> tuple[date, date]:
    """Parse a period as written in reports into its first and last day.

    Accepted forms: ``1.1.2025 - 30.6.2025``, ``1.1.2025–30.6.2025``, ``1.1.–30.6.2025``
    (year once, at the end), month ranges ``9-12.2023``, ``5-8/2024`` and ``1-6/24``.
    Two-digit years mean 20xx; hyphen, en dash, em dash and minus sign all separate.

    Args:
        text: The period text.

    Returns:
        ``(start, end)``, both inclusive.

    Raises:
        ValueError: If the text is in none of these forms or names an impossible date.
    """
    cleaned = text.strip().replace("\u00a0", " ").replace("\u2009", " ")
    if (full := _FULL_RANGE_RE.fullmatch(cleaned)) is not None:
        end = _day(text, _year(full["y2"]), int(full["m2"]), int(full["d2"]))
        start_year = _year(full["y1"]) if full["y1"] else end.year
        start = _day(text, start_year, int(full["m1"]), int(full["d1"]))
        if full["y1"] is None and start > end:  # "1.12.–31.1.2026" spans the new year
            start = _day(text, end.year - 1, start.month, start.day)
    elif (months := _MONTH_RANGE_RE.fullmatch(cleaned)) is not None:
        year = _year(months["year"])
        start = _day(text, year, int(months["m1"]), 1)
        last = _day(text, year, int(months["m2"]), 1)
        end = last.replace(day=calendar.monthrange(year, last.month)[1])
    else:
        raise ValueError(f"{text!r} is not a period; write e.g. 1.1.2025 - 30.6.2025 or 5-8/2024")
    if start > end:
        raise ValueError(f"{text!r} starts after it ends")
    return start, end
