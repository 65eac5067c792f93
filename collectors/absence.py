"""``/away``: a manager or leader says they are away until a date, or back again.

While someone is away they get no opening messages, reminders or escalations; a unit's
deputy (see :mod:`collectors.deputies`) gets the unit's reminders instead.

The days are read as :mod:`collectors.days` reads them.
"""

from __future__ import annotations

from typing import Any

from collectors.date_text import day_text
from collectors.days import DayExamples, future_day
from collectors.engine import Command, Ctx, Engine
from collectors.i18n import N_
from collectors.messages import Option, Outbound, TextReply
from collectors.reporting import local_today
from storage import absences
from storage.audit import record

KIND = "away"
OFF_WORDS = frozenset({"off", "pois", "bort", "back", "takaisin", "tillbaka", "end", "stop"})


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


__all__ = ["AwayFlow", "away_command", "register"]
