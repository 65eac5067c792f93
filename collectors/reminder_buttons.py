"""The buttons of a reminder: one opens the report, "Remind me tomorrow" snoozes it.

Their data is ``rem:start:<period>:<unit>`` and ``rem:snooze:<period>:<unit>`` (see
:func:`collectors.reminder_texts.button_data`). The messages that carry them are sent by
:mod:`collectors.reminders`; a snooze stored here comes back in the first round after it is
due (:func:`collectors.reminder_plan.snooze_messages`).
"""

from __future__ import annotations

from collectors.date_text import moment_text
from collectors.engine import Ctx, Engine, UserError
from collectors.messages import Option, Outbound, TextReply
from collectors.reminder_texts import button_data, resolve_unit
from collectors.report_opening import open_period
from collectors.schedule import remind_tomorrow_at
from storage import notifications


def _button_parts(ctx: Ctx, data: str) -> tuple[str, str | None, str]:
    parts = data.split(":", 3)
    if len(parts) != 4 or parts[1] not in ("start", "snooze"):
        raise UserError(ctx._("That button is no longer in use."))
    _prefix, action, period_id, token = parts
    unit_id = resolve_unit(token, ctx.access.managed_units())
    if unit_id is None or not ctx.access.can_report(unit_id):
        raise UserError(ctx._("You can report only for your own units."))
    return action, period_id or None, unit_id


def reminder_button(ctx: Ctx, data: str) -> list[Outbound]:
    """Buttons ``rem:start:<period>:<unit>`` and ``rem:snooze:<period>:<unit>``."""
    _ = ctx._
    action, period_id, unit_id = _button_parts(ctx, data)
    if action == "start":
        flow = ctx.engine.flows.get("report")
        start = getattr(flow, "start", None)
        if start is None:
            raise UserError(_("That button is no longer in use."))
        replies: list[Outbound] = start(ctx, unit_id, period_id)
        return replies
    period = open_period(ctx, period_id)
    unit_name = ctx.access.units[unit_id].name(ctx.language)
    if unit_id in notifications.submitted_units(ctx.session, period.id):
        return [TextReply(_("The report of {unit} is already sent; thank you!", unit=unit_name))]
    due = remind_tomorrow_at(ctx.now, ctx.config.schedule, ctx.config.tz, period)
    if due is None:
        text = _("The deadline is too close for a reminder tomorrow. You can start now.")
        start_option = Option(_("Start now"), button_data("start", period.id, unit_id))
        return [TextReply(text, (start_option,))]
    notifications.snooze(ctx.session, ctx.person_id, period.id, unit_id, due)
    when = moment_text(due.astimezone(ctx.config.tz), ctx.language)
    return [
        TextReply(_("Fine, I will remind you about {unit} on {when}.", unit=unit_name, when=when))
    ]


def register(engine: Engine) -> None:
    """Add the reminder buttons (prefix ``rem``) to the engine."""
    engine.add_choice("rem", reminder_button)


__all__ = ["register", "reminder_button"]
