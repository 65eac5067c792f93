"""``/away``: a manager or leader says they are away until a date, or back again.

While someone is away they get no opening messages, reminders or escalations; a unit's
deputy (see :mod:`collectors.deputies`) gets the unit's reminders instead.

The days are read as :mod:`collectors.days` reads them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from collectors.date_text import day_text
from collectors.days import DayExamples, future_day, parse_range, within_a_year
from collectors.engine import Command, Ctx, Engine, UserError
from collectors.i18n import N_
from collectors.messages import Option, Outbound, TextReply
from collectors.reporting import local_today
from storage import absences
from storage.audit import record

KIND = "away"
OFF_WORDS = frozenset({"off", "pois", "bort", "back", "takaisin", "tillbaka", "end", "stop"})


def away_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
    """``/away DATE`` marks the person away until DATE, ``/away FIRST-LAST`` for a time ahead;
    ``/away off`` ends it (or calls off the one planned); ``/away`` alone tells how it stands,
    or asks for the day."""
    _ = ctx._
    today = local_today(ctx.config, ctx.now)
    if not args:
        current = absences.current_absence(ctx.session, ctx.person_id, today)
        if current is None:
            return _ask_until(ctx)
        if current.starts_on > today:
            text = _(
                "You will be away from {start} until {date}. /away off calls it off.",
                start=day_text(current.starts_on, ctx.language),
                date=day_text(current.until, ctx.language),
            )
        else:
            text = _(
                "You are marked away until {date}. /away off ends it.",
                date=day_text(current.until, ctx.language),
            )
        return [TextReply(text)]
    if args[0].lower() in OFF_WORDS:
        return _back(ctx, today)
    return _mark_away(ctx, " ".join(args))


def _back(ctx: Ctx, today: date) -> list[Outbound]:
    """End the absence today, or call off the one planned."""
    _ = ctx._
    ended = absences.end_absence(ctx.session, ctx.person_id, today)
    if ended is None:
        return [TextReply(_("You were not marked away."))]
    first, last = ended
    planned = first > today
    action = "away.cancel" if planned else "away.end"
    record(ctx.session, now=ctx.now, actor=f"person:{ctx.person_id}", action=action)
    if planned:
        text = _(
            "Your time away from {start} until {date} is called off.",
            start=day_text(first, ctx.language),
            date=day_text(last, ctx.language),
        )
        return [TextReply(text)]
    return [TextReply(_("Welcome back! Reminders come to you again."))]


def _ask_until(ctx: Ctx) -> list[Outbound]:
    _ = ctx._
    ctx.save(KIND, {"stage": "until"})
    examples = DayExamples.after(local_today(ctx.config, ctx.now))
    text = _(
        "Until which day are you away (inclusive)? For example {short} or {iso}. "
        "For a time ahead, write its first and last day: {first}-{short}",
        short=examples.short,
        iso=examples.iso,
        first=examples.first,
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


def _away_days(ctx: Ctx, text: str) -> tuple[date, date]:
    """The first and last day away typed in ``text``: a last day (from today), or a range.

    Raises:
        UserError: when the text is no day or range, or its last day is past or too far.
    """
    today = local_today(ctx.config, ctx.now)
    days = parse_range(text, today)
    if days is None:
        return today, future_day(ctx, text)
    first, last = days
    if first > last:
        raise UserError(ctx._("The first day comes after the last one: write the first day first."))
    return max(first, today), within_a_year(ctx, last)


def _mark_away(ctx: Ctx, text: str) -> list[Outbound]:
    """Mark the person away for the days in ``text`` and tell whom the reminders go to."""
    _ = ctx._
    language = ctx.language
    first, until = _away_days(ctx, text)
    planned = first > local_today(ctx.config, ctx.now)  # begins later
    absences.set_absence(ctx.session, ctx.person_id, first, until, ctx.now)
    detail = {"until": until.isoformat()}
    if planned:
        detail["from"] = first.isoformat()
    actor = f"person:{ctx.person_id}"
    record(ctx.session, now=ctx.now, actor=actor, action="away.set", detail=detail)
    start, last = day_text(first, language), day_text(until, language)
    units = ctx.access.managed_units()
    if planned and units:
        said = _(
            "You are marked away from {start} until {date}. Meanwhile you get no reminders; "
            "your units' deputies get them.",
            start=start,
            date=last,
        )
    elif units:
        said = _(
            "You are marked away until {date}. Meanwhile you get no reminders; "
            "your units' deputies get them.",
            date=last,
        )
    elif planned:
        said = _(
            "You are marked away from {start} until {date}. Meanwhile I send you no reminders.",
            start=start,
            date=last,
        )
    else:
        said = _("You are marked away until {date}. Meanwhile I send you no reminders.", date=last)
    if not units:
        return [TextReply(said)]
    lines = [said]
    covered = absences.deputies_on(ctx.session, first)
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


__all__ = ["AwayFlow", "away_command", "register"]
