"""The words of reminders and escalations, in the recipient's language.

Plain data in, :class:`~collectors.messages.TextReply` out: no database, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from collectors.date_text import day_text
from collectors.i18n import Translator
from collectors.messages import Option, TextReply
from collectors.periods import Period

CALLBACK_LIMIT = 53  # Telegram allows 64 bytes; the transport adds an 11-character signature
MAX_LISTED = 40  # units listed in one escalation message


def unit_token(unit_id: str) -> str:
    """A short stand-in for a long unit id in button data: ``#`` and 10 hex digits."""
    return "#" + hashlib.sha256(unit_id.encode("utf-8")).hexdigest()[:10]


def button_data(action: str, period_id: str, unit_id: str) -> str:
    """Global button data ``rem:<action>:<period>:<unit>``, short enough to be signed.

    A unit id that would not fit is replaced by :func:`unit_token`.
    """
    data = f"rem:{action}:{period_id}:{unit_id}"
    if len(data.encode("utf-8")) > CALLBACK_LIMIT:
        data = f"rem:{action}:{period_id}:{unit_token(unit_id)}"
    return data


def resolve_unit(token: str, unit_ids: Sequence[str]) -> str | None:
    """The unit among ``unit_ids`` a button names, by id or by :func:`unit_token`."""
    for unit_id in unit_ids:
        if token in (unit_id, unit_token(unit_id)):
            return unit_id
    return None


@dataclass(frozen=True)
class ReportAsk:
    """What a message asking for a unit's report says.

    Attributes:
        kind: "open" for the opening message; anything else reads as a reminder.
        unit_name: The unit's name in the recipient's language.
        unit_id: The unit's id (for the buttons).
        period: The period.
        today: The organisation's local date when sent.
        answered: Answers saved in the unit's draft (0 when not started).
        total: Questions in the unit's report.
        can_snooze: Whether "remind me tomorrow" still comes before the deadline.
    """

    kind: str
    unit_name: str
    unit_id: str
    period: Period
    today: date
    answered: int
    total: int
    can_snooze: bool


def report_ask(ask: ReportAsk, _: Translator) -> TextReply:
    """The opening message or a reminder, with "Start now" and "Remind me tomorrow"."""
    language = _.language
    period = ask.period
    values = {
        "unit": ask.unit_name,
        "period": period.short_label(),
        "dates": period.label(language),
        "deadline": day_text(period.deadline, language),
    }
    if ask.kind == "open":
        lines = [
            _(
                "The self-monitoring report of {unit} for {period} ({dates}) can now be "
                "filled in. The deadline is {deadline}.",
                **values,
            )
        ]
    else:
        lines = [
            _(
                "Reminder: the self-monitoring report of {unit} for {period} ({dates}) is "
                "due on {deadline}.",
                **values,
            )
        ]
        days_left = (period.deadline - ask.today).days
        if days_left <= 0:
            lines.append(_("The deadline is today."))
        else:
            lines.append(_.plural("{n} day left.", "{n} days left.", days_left))
    draft = ask.answered > 0
    if draft:
        lines.append(
            _(
                "You have {answered} of {total} answers saved; you can continue where you "
                "left off.",
                answered=ask.answered,
                total=ask.total,
            )
        )
    start_label = _("Continue where I left off") if draft else _("Start now")
    options = [Option(start_label, button_data("start", period.id, ask.unit_id))]
    if ask.can_snooze:
        options.append(
            Option(_("Remind me tomorrow"), button_data("snooze", period.id, ask.unit_id))
        )
    return TextReply("\n".join(lines), tuple(options))


@dataclass(frozen=True)
class MissingUnit:
    """A unit that has not reported, with its managers' names (empty when none)."""

    name: str
    managers: tuple[str, ...]


def escalation(
    period: Period, missing: Sequence[MissingUnit], named: bool, _: Translator
) -> TextReply:
    """The leader's list of units whose report did not arrive by the deadline."""
    language = _.language
    lines = [
        _(
            "These units have not sent their self-monitoring report for {period} ({dates}); "
            "the deadline was {deadline}:",
            period=period.short_label(),
            dates=period.label(language),
            deadline=day_text(period.deadline, language),
        )
    ]
    for unit in missing[:MAX_LISTED]:
        if not named:
            lines.append(f"• {unit.name}")
        elif unit.managers:
            lines.append(f"• {unit.name} – {', '.join(unit.managers)}")
        else:
            lines.append(f"• {unit.name} – " + _("no manager registered"))
    hidden = len(missing) - MAX_LISTED
    if hidden > 0:
        lines.append(_.plural("… and {n} more unit.", "… and {n} more units.", hidden))
    lines.append("")
    lines.append(
        _.plural("{n} unit is missing.", "{n} units are missing.", len(missing))
        + " "
        + _("/status shows how far every unit has come.")
    )
    return TextReply("\n".join(lines))


__all__ = [
    "MissingUnit",
    "ReportAsk",
    "button_data",
    "escalation",
    "report_ask",
    "resolve_unit",
    "unit_token",
]
