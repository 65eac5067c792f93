"""Days as people type them in a chat: ``31.7.``, ``2025-07-31``, ``huomenna``, ``perjantaihin``.

Dates are read the way people in Finland write them: ``31.7.``, ``31.7``, ``31.7.2025``,
``31.7.25`` or ``2025-07-31``; a day and month without a year mean the next such day. A day
may also be named: ``huomenna`` / ``i morgon`` / ``tomorrow``, or a weekday in any of the
three languages (``perjantaihin``, ``fredag``, ``next Friday``, ``pe``), the next one after
today; or be the last day of a time from today: ``2 viikkoa``, ``10 days``, ``3 veckor``,
``1 kk`` (two weeks from a Monday end on the Sunday of the week after). ``/away`` and
``/deputy`` ask for days this way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from babel.dates import get_day_names

from collectors.config import LANGUAGES
from collectors.engine import Ctx, UserError
from collectors.number_words import Span, span_of
from collectors.reporting import local_today

MAX_DAYS_AHEAD = 366
EXAMPLE_DAYS_AHEAD = 30
HALF_A_YEAR = 183  # the longest range read as one that began earlier this year
_DAY_MONTH = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2})?)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Between the first and last day of a range: a dash with spaces or after a Finnish day
# ("1.7.-31.7.", "1.-31.7."; never inside an ISO date), an en or em dash, "..", or a word.
_RANGE = re.compile(
    r"\s*(?:[–—]|\.\.|\s-\s|(?<=[.\d])-(?=\d{1,2}\.(?:\d|\s|$))|\s(?:to|till|tills|until|asti)\s)\s*"
)
_DAY_ONLY = re.compile(r"(\d{1,2})\.?")
_TIME_AHEAD = re.compile(r"(\d{1,3})\s*([^\W\d_]+\.?)")


_RELATIVE = {
    **dict.fromkeys(("toissapäivänä", "i förrgår", "day before yesterday"), -2),
    **dict.fromkeys(("eilen", "yesterday", "igår", "i går"), -1),
    **dict.fromkeys(("tänään", "today", "idag", "i dag"), 0),
    **dict.fromkeys(("huomenna", "tomorrow", "imorgon", "i morgon"), 1),
    **dict.fromkeys(("ylihuomenna", "i övermorgon", "day after tomorrow"), 2),
}
_LEAD_WORDS = ("ensi ", "next ", "nästa ", "until ", "till ", "på ", "on ")


@lru_cache(maxsize=1)
def _weekday_names() -> tuple[dict[str, int], dict[str, int]]:
    """Whole weekday names (``perjantai``, ``fredag``, ``Friday``) and abbreviations (``pe``,
    ``fre``, ``Fri``) in every language, folded, from Babel's locale data."""
    whole: dict[str, int] = {}
    short: dict[str, int] = {}
    for language in LANGUAGES:
        for context in ("format", "stand-alone"):
            for number, name in get_day_names("wide", context=context, locale=language).items():
                whole[name.casefold()] = number
            for number, name in get_day_names(
                "abbreviated", context=context, locale=language
            ).items():
                short[name.casefold()] = number
    return whole, short


def _named_day(text: str, today: date) -> date | None:
    """``huomenna``, ``fredag``, ``next Friday``, ``perjantaihin``: today, a day or two before
    or after it (a day that has passed is read, so that the answer can say so), or the next
    such weekday after today; ``None`` for anything else."""
    words = " ".join(text.casefold().split())
    if words in _RELATIVE:
        return today + timedelta(days=_RELATIVE[words])
    for lead in _LEAD_WORDS:
        words = words.removeprefix(lead)
    whole, short = _weekday_names()
    weekday = short.get(words.rstrip("."))
    if weekday is None:  # inflected Finnish names begin with the name: perjantaihin, -na
        weekday = next((n for name, n in whole.items() if words.startswith(name)), None)
    if weekday is None:
        return None
    return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)


def _last_day_of(text: str, today: date) -> date | None:
    """The last day of a time that begins today: ``2 viikkoa`` from Monday 7.12. is Sunday
    20.12., ``3 päivää`` today and the two days after, ``1 kk`` up to the day before the same
    day next month; ``None`` for anything else."""
    match = _TIME_AHEAD.fullmatch(" ".join(text.casefold().split()))
    if match is None or int(match[1]) == 0:
        return None
    count, span = int(match[1]), span_of(match[2])
    if span is Span.DAY:
        return today + timedelta(days=count - 1)
    if span is Span.WEEK:
        return today + timedelta(weeks=count) - timedelta(days=1)
    if span is Span.MONTH:
        months = today.month - 1 + count
        year, month = today.year + months // 12, months % 12 + 1
        for day in range(today.day, 0, -1):  # 31.1. + 1 month: the last day of February
            if _valid(year, month, day):
                return date(year, month, day) - timedelta(days=1 if day == today.day else 0)
    return None


def parse_day(text: str, today: date) -> date | None:
    """Read a day typed in a Finnish or ISO form, or named; ``None`` when it is not one.

    Args:
        text: What the person typed, e.g. ``31.7.``, ``2025-07-31``, ``huomenna`` or
            ``perjantaihin`` (the next Friday after today).
        today: The organisation's local date; a day without a year is the next such day.

    Returns:
        The day, or ``None`` for text that is no valid date.
    """
    value = text.strip()
    named = _named_day(value, today) or _last_day_of(value, today)
    if named is not None:
        return named
    try:
        iso = _ISO.fullmatch(value)
        if iso is not None:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        match = _DAY_MONTH.fullmatch(value)
        if match is None:
            return None
        day, month, year = int(match[1]), int(match[2]), match[3]
        if year is None:
            found = date(today.year, month, day) if _valid(today.year, month, day) else None
            if found is None or found < today:
                found = date(today.year + 1, month, day)
            return found
        full = int(year) + 2000 if len(year) == 2 else int(year)
        return date(full, month, day)
    except ValueError:
        return None


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class DayExamples:
    """A day about a month ahead, written in each accepted form: ``6.1.``, ``6.1.2027``,
    ``2027-01-06`` (examples with a past year would be refused), and a first day two weeks
    before it for a range (``23.12.``, as in ``23.12.-6.1.``)."""

    short: str
    full: str
    iso: str
    first: str

    @classmethod
    def after(cls, today: date) -> DayExamples:
        """The examples for a prompt shown on ``today``."""
        day = today + timedelta(days=EXAMPLE_DAYS_AHEAD)
        first = day - timedelta(days=14)
        return cls(
            f"{day.day}.{day.month}.",
            f"{day.day}.{day.month}.{day.year}",
            day.isoformat(),
            f"{first.day}.{first.month}.",
        )


def future_day(ctx: Ctx, text: str) -> date:
    """A day from today up to a year ahead, read from ``text``.

    Raises:
        UserError: when the text is no date, or the day is in the past or too far ahead.
    """
    _ = ctx._
    today = local_today(ctx.config, ctx.now)
    day = parse_day(text, today)
    if day is None:
        examples = DayExamples.after(today)
        raise UserError(
            _(
                "I could not read that date. Write it like {short} or {full} or {iso}.",
                short=examples.short,
                full=examples.full,
                iso=examples.iso,
            )
        )
    return within_a_year(ctx, day)


def within_a_year(ctx: Ctx, day: date) -> date:
    """``day``, if it is from today up to a year ahead.

    Raises:
        UserError: when the day is in the past or too far ahead.
    """
    _ = ctx._
    today = local_today(ctx.config, ctx.now)
    if day < today:
        raise UserError(_("That day has already passed. Give a day from today on."))
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise UserError(_("That is more than a year ahead. Give a nearer day."))
    return day


def parse_range(text: str, today: date) -> tuple[date, date] | None:
    """Read a first and last day typed as a range: ``1.7.-31.7.``, ``1.–31.7.``,
    ``20.12. - 6.1.``, ``2025-07-01–2025-07-31``, ``huomenna–perjantai``.

    The last day is read as :func:`parse_day` reads a day; a first day without a year that
    has passed this year is this year's when the next one would come after the last day
    (``1.12.-31.12.`` typed on 7.12. began on 1.12.) and the range spans half a year at most
    (``10.10.-1.10.`` is the wrong way round, not a year away that began in October),
    and a bare day (``1.`` in ``1.–31.7.``) is of the last day's month. ``None`` when the text
    is no range of two readable days.
    """
    parts = _RANGE.split(text.strip(), maxsplit=1)
    if len(parts) != 2:
        return None
    first, last = parts[0].strip(), parts[1].strip()
    end = parse_day(last, today)
    if end is None:
        return None
    bare = _DAY_ONLY.fullmatch(first)
    if bare is not None:
        day = int(bare[1])
        return (date(end.year, end.month, day), end) if _valid(end.year, end.month, day) else None
    start = parse_day(first, today)
    no_year = _DAY_MONTH.fullmatch(first)
    passed = start is not None and start.year > today.year  # this year's is behind us
    if start is not None and start > end and passed and no_year is not None and not no_year[3]:
        begun = parse_day(first, end - timedelta(days=364))  # the one in the year up to the end
        if begun is not None and end - begun <= timedelta(days=HALF_A_YEAR):  # else, a typo
            start = begun
    return None if start is None else (start, end)


__all__ = [
    "MAX_DAYS_AHEAD",
    "DayExamples",
    "future_day",
    "parse_day",
    "parse_range",
    "within_a_year",
]
