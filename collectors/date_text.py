"""Days and moments as people read them in their language: "pe 19.9.2025", "Fri, Sep 19, 2025".

Dates a person reads in a message go through here (Babel's locale data), so that a
Finnish reader sees "19.9.2025", a Swedish one "fre 19 sep. 2025" and an English one
"Fri, Sep 19, 2025", never a fixed ``dd.mm.yyyy``. Command-line output uses ISO dates instead.
"""

from __future__ import annotations

from datetime import date, datetime, time

from babel.dates import format_skeleton, format_time


def day_text(day: date, language: str) -> str:
    """A day with its weekday, as people read it: "pe 19.9.2025", "Fri, Sep 19, 2025"."""
    return str(format_skeleton("yMMMEd", day, locale=language))


def moment_text(moment: datetime, language: str) -> str:
    """A local moment's day and time: "pe 19.9.2025 9.00"."""
    return f"{day_text(moment.date(), language)} {clock_text(moment.time(), language)}"


def clock_text(at: time, language: str) -> str:
    """A time of day: "9.00", "09:00", "9:00 AM"."""
    return str(format_time(at, "short", locale=language))


__all__ = ["clock_text", "day_text", "moment_text"]
