"""``/away``: a manager or leader says they are away until a date, or back again.

While someone is away they get no opening messages, reminders or escalations; a unit's
deputy (see :mod:`collectors.deputies`) gets the unit's reminders instead.

Dates are read the way people in Finland write them: ``31.7.``, ``31.7``, ``31.7.2025``,
``31.7.25`` or ``2025-07-31``; a day and month without a year mean the next such day. A day
may also be named: ``huomenna`` / ``i morgon`` / ``tomorrow``, or a weekday in any of the
three languages (``perjantaihin``, ``fredag``, ``next Friday``, ``pe``), the next one after
today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from babel.dates import get_day_names

from collectors.config import LANGUAGES
from collectors.date_text import day_text
from collectors.engine import Command, Ctx, Engine, UserError
from collectors.i18n import N_
from collectors.messages import Option, Outbound, TextReply
from collectors.reporting import local_today
from storage import absences
from storage.audit import record

KIND = "away"
MAX_DAYS_AHEAD = 366
EXAMPLE_DAYS_AHEAD = 30
OFF_WORDS = frozenset({"off", "pois", "bort", "back", "takaisin", "tillbaka", "end", "stop"})
_DAY_MONTH = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{4}|\d{2})?)?")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


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
    named = _named_day(value, today)
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
    ``2027-01-06`` (examples with a past year would be refused)."""

    short: str
    full: str
    iso: str

    @classmethod
    def after(cls, today: date) -> DayExamples:
        """The examples for a prompt shown on ``today``."""
        day = today + timedelta(days=EXAMPLE_DAYS_AHEAD)
        return cls(f"{day.day}.{day.month}.", f"{day.day}.{day.month}.{day.year}", day.isoformat())


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
    if day < today:
        raise UserError(_("That day has already passed. Give a day from today on."))
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise UserError(_("That is more than a year ahead. Give a nearer day."))
    return day


def away_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/away DATE`` marks the person away until DATE; ``/away off`` ends it; ``/away``
    alone tells how it stands, or asks for the day."""
    _ = ctx._
    today = local_today(ctx.config, ctx.now)
    if not args:
        current = absences.current_absence(ctx.session, ctx.person_id, today)
        if current is None:
            return _ask_until(ctx)
        text = _(
            "You are marked away until {date}. /away off ends it.",
            date=day_text(current.until, ctx.language),
        )
        return [TextReply(text)]
    if args[0].lower() in OFF_WORDS:
        ended = absences.end_absence(ctx.session, ctx.person_id, today)
        if ended:
            record(ctx.session, now=ctx.now, actor=f"person:{ctx.person_id}", action="away.end")
            return [TextReply(_("Welcome back! Reminders come to you again."))]
        return [TextReply(_("You were not marked away."))]
    return _mark_away(ctx, " ".join(args))


def _ask_until(ctx: Ctx) -> list[Outbound]:
    _ = ctx._
    ctx.save(KIND, {"stage": "until"})
    examples = DayExamples.after(local_today(ctx.config, ctx.now))
    text = _(
        "Until which day are you away (inclusive)? For example {short} or {iso}.",
        short=examples.short,
        iso=examples.iso,
    )
    return [TextReply(text, (Option(_("Cancel"), ctx.step_data("cancel")),))]


class AwayFlow:
    """``/away`` without a day: the day asked for, then kept as ``/away DAY`` would."""

    kind = KIND
    unsent_answers: str | None = None

    def resume(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Ask for the day again."""
        return _ask_until(ctx)

    def on_text(self, ctx: Ctx, state: dict[str, Any], text: str) -> list[Outbound]:
        """Read the day (a day that cannot be used is asked for again)."""
        replies = _mark_away(ctx, text)
        ctx.end()
        return replies

    def on_choice(self, ctx: Ctx, state: dict[str, Any], data: str) -> list[Outbound]:
        """Cancel; any other button is an earlier question's."""
        if data == "cancel":
            return self.on_cancel(ctx, state)
        earlier = TextReply(ctx._("That button belongs to an earlier question."))
        return [earlier, *self.resume(ctx, state)]

    def on_cancel(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Stop without marking anything."""
        ctx.end()
        return [TextReply(ctx._("Fine, you are not marked away."))]


def _mark_away(ctx: Ctx, text: str) -> list[Outbound]:
    """Mark the person away until the day in ``text`` and tell whom the reminders go to."""
    _ = ctx._
    language = ctx.language
    today = local_today(ctx.config, ctx.now)
    until = future_day(ctx, text)
    absences.set_absence(ctx.session, ctx.person_id, today, until, ctx.now)
    record(
        ctx.session,
        now=ctx.now,
        actor=f"person:{ctx.person_id}",
        action="away.set",
        detail={"until": until.isoformat()},
    )
    units = ctx.access.managed_units()
    if not units:
        text = _(
            "You are marked away until {date}. Meanwhile I send you no reminders.",
            date=day_text(until, language),
        )
        return [TextReply(text)]
    lines = [
        _(
            "You are marked away until {date}. Meanwhile you get no reminders; "
            "your units' deputies get them.",
            date=day_text(until, language),
        )
    ]
    covered = absences.deputies_on(ctx.session, today)
    for unit_id in units:
        if not [p for p in covered.get(unit_id, []) if p != ctx.person_id]:
            name = ctx.access.units[unit_id].name(language)
            lines.append(_("{unit} has no deputy yet: name one with /deputy.", unit=name))
    return [TextReply("\n".join(lines))]


def register(engine: Engine) -> None:
    """Add ``/away`` and its question for the day."""
    engine.add_flow(AwayFlow())
    engine.add_command(
        Command(
            "away",
            N_("Tell me you are away, so that your deputy gets the reminders"),
            away_command,
            frozenset({"manager", "leader"}),
        )
    )


__all__ = ["AwayFlow", "DayExamples", "away_command", "future_day", "parse_day", "register"]
