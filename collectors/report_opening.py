"""Which report a manager opens: the unit and the period, asked for only where not obvious.

The conversation itself is :mod:`collectors.report`; this part ends once both are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from collectors.config import LANGUAGES
from collectors.engine import Ctx, UserError
from collectors.messages import Option, Outbound, TextReply
from collectors.periods import Period, canonical_period_id
from collectors.reporting import open_periods
from collectors.vocabulary import named
from storage import notifications


@dataclass(frozen=True)
class Chosen:
    """The unit and the period to report, both known (the period as read, not to read again)."""

    unit: str
    period: Period


def _none_open(ctx: Ctx) -> UserError:
    return UserError(
        ctx._("No reporting period is open right now. I will let you know when one opens.")
    )


def open_period(ctx: Ctx, period_id: str | None) -> Period:
    """The period ``period_id`` if it is open for reporting; for ``None``, the newest open one.

    Raises:
        UserError: That period is not open, or (for ``None``) no period is.
    """
    available = open_periods(ctx.session, ctx.config, ctx.now)
    if period_id is None:
        if not available:
            raise _none_open(ctx)
        return available[0]
    for period in available:
        if period.id == period_id:
            return period
    raise UserError(ctx._("That period is not open for reporting."))


def choose_report(
    ctx: Ctx, kind: str, unit_id: str | None, period_id: str | None
) -> Chosen | list[Outbound]:
    """The unit and period to open, or the question (saved as conversation ``kind``) for one.

    A manager of one unit is not asked for the unit, nor anyone for the period while only
    one is open. ``unit_id`` and ``period_id`` are what is known already (a command's
    arguments, an earlier answer).

    Raises:
        UserError: The person manages no unit, or not ``unit_id``; ``period_id`` is not
            open, or no period is.
    """
    _ = ctx._
    units = ctx.access.managed_units()
    if not units:
        raise UserError(_("Only unit managers and their deputies fill in period reports."))
    if unit_id is not None and unit_id not in units:
        raise UserError(_("You can report only for your own units."))
    if unit_id is None and len(units) > 1:
        state: dict[str, Any] = {"stage": "unit"}
        if period_id is not None:
            state["period"] = period_id
        ctx.save(kind, state)
        options = tuple(
            Option(ctx.access.units[u].name(ctx.language), ctx.step_data(f"u:{u}")) for u in units
        )
        return [TextReply(_("Which unit do you report for?"), options)]
    unit = unit_id or units[0]
    if period_id is not None:
        return Chosen(unit, open_period(ctx, period_id))
    available = open_periods(ctx.session, ctx.config, ctx.now)
    if not available:
        raise _none_open(ctx)
    if len(available) > 1:
        ctx.save(kind, {"stage": "period", "unit": unit})
        options = tuple(
            Option(f"{p.short_label()} ({p.label(ctx.language)})", ctx.step_data(f"p:{p.id}"))
            for p in available
        )
        return [TextReply(_("Which period do you report?"), options)]
    return Chosen(unit, available[0])


def typed_opening(ctx: Ctx, state: dict[str, Any], text: str) -> str | None:
    """The button data (``u:<unit>``, ``p:<period>``) that ``text`` typed for the unit or
    period question stands for: an option's number, a unit's name in any language, or a
    period's id or label (``T2/2025``); ``None`` for none of them."""
    if state.get("stage") == "unit":
        ids = ctx.access.managed_units()
        units = ctx.access.units
        names = [{u, *(units[u].name(language) for language in LANGUAGES)} for u in ids]
        prefix = "u"
    else:
        periods = open_periods(ctx.session, ctx.config, ctx.now)
        ids = [p.id for p in periods]
        names = [{p.id, p.short_label(), *(p.label(lang) for lang in LANGUAGES)} for p in periods]
        prefix, text = "p", canonical_period_id(text)
    numbered = [{str(n), *known} for n, known in enumerate(names, start=1)]
    position = named(numbered, text)
    return None if position is None else f"{prefix}:{ids[position]}"


def unsent_report_hints(ctx: Ctx) -> list[str]:
    """A line for each report of the person's units that was started but not sent, in an
    open period: told to someone who types with nothing waiting (an interrupted report)."""
    units = ctx.access.managed_units()
    if not units:
        return []
    periods = {p.id: p for p in open_periods(ctx.session, ctx.config, ctx.now)}
    drafts = notifications.unsent_drafts(ctx.session, list(periods), units)
    _ = ctx._
    return [
        _.plural(
            "Your report of {unit} for {period} is not sent yet ({n} answer saved): "
            "{command} continues it.",
            "Your report of {unit} for {period} is not sent yet ({n} answers saved): "
            "{command} continues it.",
            answered,
            unit=ctx.access.units[unit_id].name(ctx.language),
            period=periods[period_id].short_label(),
            command="/report" if len(units) == 1 else f"/report {unit_id}",
        )
        for period_id, unit_id, answered in drafts
    ]


__all__ = ["Chosen", "choose_report", "open_period", "typed_opening", "unsent_report_hints"]
