"""Deputies: someone stands in for a unit's manager until a date.

A deputy gets the unit's reminders and may fill in its report (how naming one works:
:mod:`collectors.deputyship`).

``/deputy [UNIT]`` is a short conversation for administrators and a unit's own (permanent)
managers::

    stateDiagram-v2
        [*] --> unit: several units
        [*] --> person
        unit --> person: a unit button
        person --> until: a person button (the unit's staff and managers, the managers
        person --> until:   of its sibling units, the leaders above it)
        until --> [*]: a day typed (31.7. / 2025-07-31)
        person --> until: a new-last-day button (someone standing in now)
        person --> [*]: an end button (someone standing in now: their time ends today)
        unit --> [*]: cancel
        person --> [*]: cancel
        until --> [*]: cancel

The people offered are those the bot knows around the unit; a deputy who has not joined yet
joins first with an invitation (any role), then is named. Those standing in now are shown with
their last day, and each can be given a new last day (earlier or later) or be ended at once (a
manager back early).
"""

from __future__ import annotations

from typing import Any

from collectors.date_text import day_text
from collectors.days import DayExamples, future_day
from collectors.deputyship import (
    MAX_BUTTONS,
    StandingIn,
    candidates,
    deputy_units,
    end_deputyship,
    name_deputy,
    standing_in,
)
from collectors.engine import Command, Ctx, Engine, UserError
from collectors.i18n import N_
from collectors.messages import Option, Outbound, TextReply
from collectors.reporting import local_today
from storage import notifications

KIND = "deputy"


class DeputyFlow:
    """The ``/deputy`` conversation: unit, person, last day."""

    kind = KIND
    unsent_answers: str | None = None

    def start(self, ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
        """Begin naming a deputy, for the unit given or one to choose."""
        _ = ctx._
        units = deputy_units(ctx)
        if not units:
            raise UserError(_("Only a unit's manager or an administrator can name a deputy."))
        if args:
            if args[0] not in units:
                raise UserError(_("You can name a deputy only for your own units."))
            return self._ask_person(ctx, args[0])
        if len(units) == 1:
            return self._ask_person(ctx, units[0])
        if len(units) > MAX_BUTTONS:
            return [TextReply(_("Name the unit too, for example /deputy {unit}.", unit=units[0]))]
        ctx.save(KIND, {"stage": "unit"})
        options = [
            Option(ctx.access.units[u].name(ctx.language), ctx.step_data(f"u:{u}")) for u in units
        ]
        options.append(Option(_("Cancel"), ctx.step_data("cancel")))
        return [TextReply(_("For which unit do you name a deputy?"), tuple(options))]

    def _ask_person(self, ctx: Ctx, unit_id: str) -> list[Outbound]:
        """Who stands in now (each with a button to end their time), and whom to name."""
        _ = ctx._
        unit_name = ctx.access.units[unit_id].name(ctx.language)
        people = candidates(ctx, unit_id)
        standing = standing_in(ctx, unit_id)
        if not people and not standing:
            ctx.end()
            text = _(
                "Nobody who could stand in for {unit} has joined the bot yet. Ask an "
                "administrator for an invitation for your deputy, then try again.",
                unit=unit_name,
            )
            return [TextReply(text)]
        ctx.save(KIND, {"stage": "person", "unit": unit_id})
        lines = [
            _("{name} stands in until {date}.", name=d.name, date=day_text(d.until, ctx.language))
            for d in standing
        ]
        if people:
            lines.append(_("Who stands in for the manager of {unit}?", unit=unit_name))
        else:
            lines.append(_("Nobody else who could stand in for {unit} has joined.", unit=unit_name))
        options = [Option(c.label, ctx.step_data(f"p:{c.person_id}")) for c in people]
        for d in standing:
            options += [
                Option(_("New last day: {name}", name=d.name), ctx.step_data(f"c:{d.person_id}")),
                Option(
                    _("End the deputyship: {name}", name=d.name), ctx.step_data(f"e:{d.person_id}")
                ),
            ]
        options.append(Option(_("Cancel"), ctx.step_data("cancel")))
        return [TextReply("\n".join(lines), tuple(options))]

    def _end(self, ctx: Ctx, unit_id: str, deputy: StandingIn) -> list[Outbound]:
        _ = ctx._
        if unit_id not in deputy_units(ctx):
            ctx.end()
            raise UserError(_("You can name a deputy only for your own units."))
        end_deputyship(
            ctx.session,
            ctx.config,
            unit_id=unit_id,
            person_id=deputy.person_id,
            actor=f"person:{ctx.person_id}",
            now=ctx.now,
        )
        ctx.end()
        text = _(
            "{name} no longer stands in for the manager of {unit}.",
            name=deputy.name,
            unit=ctx.access.units[unit_id].name(ctx.language),
        )
        return [TextReply(text)]

    def _ask_until(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        _ = ctx._
        ctx.save(KIND, state)
        examples = DayExamples.after(local_today(ctx.config, ctx.now))
        text = _(
            "Until which day (inclusive)? For example {short} or {iso}.",
            short=examples.short,
            iso=examples.iso,
        )
        return [TextReply(text, (Option(_("Cancel"), ctx.step_data("cancel")),))]

    def resume(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Show the current step again."""
        stage = state.get("stage")
        if stage == "person":
            return self._ask_person(ctx, state["unit"])
        if stage == "until":
            return self._ask_until(ctx, state)
        ctx.end()
        return self.start(ctx, ())

    def on_text(self, ctx: Ctx, state: dict[str, Any], text: str) -> list[Outbound]:
        """Read the last day."""
        _ = ctx._
        if state.get("stage") != "until":
            return [TextReply(_("Please use the buttons.")), *self.resume(ctx, state)]
        unit_id, person_id = state["unit"], int(state["person"])
        if unit_id not in deputy_units(ctx):
            ctx.end()
            raise UserError(_("You can name a deputy only for your own units."))
        until = future_day(ctx, text)
        name_deputy(
            ctx.session,
            ctx.config,
            unit_id=unit_id,
            person_id=person_id,
            until=until,
            actor=f"person:{ctx.person_id}",
            now=ctx.now,
        )
        ctx.end()
        person = notifications.people(ctx.session, [person_id]).get(person_id)
        name = (person.display_name if person is not None else "") or f"#{person_id}"
        text = _(
            "{name} stands in for the manager of {unit} until {date}: they get its "
            "reminders and may fill in its report.",
            name=name,
            unit=ctx.access.units[unit_id].name(ctx.language),
            date=day_text(until, ctx.language),
        )
        return [TextReply(text)]

    def on_choice(self, ctx: Ctx, state: dict[str, Any], data: str) -> list[Outbound]:
        """Handle a unit or person button, or cancel."""
        _ = ctx._
        action, _sep, argument = data.partition(":")
        stage = state.get("stage")
        if action == "cancel":
            return self.on_cancel(ctx, state)
        if stage == "unit" and action == "u":
            if argument not in deputy_units(ctx):
                raise UserError(_("You can name a deputy only for your own units."))
            return self._ask_person(ctx, argument)
        if stage == "person" and action == "p" and argument.isdecimal():
            allowed = {c.person_id for c in candidates(ctx, state["unit"])}
            if int(argument) not in allowed:
                return [TextReply(_("That person cannot be named here.")), *self.resume(ctx, state)]
            return self._ask_until(ctx, {**state, "stage": "until", "person": int(argument)})
        if stage == "person" and action in ("c", "e") and argument.isdecimal():
            standing = standing_in(ctx, state["unit"])
            deputy = next((d for d in standing if d.person_id == int(argument)), None)
            if deputy is not None and action == "e":
                return self._end(ctx, state["unit"], deputy)
            if deputy is not None:  # a new last day for someone standing in
                return self._ask_until(ctx, {**state, "stage": "until", "person": deputy.person_id})
        return [
            TextReply(_("That button belongs to an earlier question.")),
            *self.resume(ctx, state),
        ]

    def on_cancel(self, ctx: Ctx, state: dict[str, Any]) -> list[Outbound]:
        """Stop without naming anyone."""
        ctx.end()
        return [TextReply(ctx._("Fine, no deputy was named."))]


def register(engine: Engine) -> None:
    """Add ``/deputy`` and its conversation."""
    flow = DeputyFlow()
    engine.add_flow(flow)

    def deputy_command(ctx: Ctx, args: tuple[str, ...]) -> list[Outbound]:
        return flow.start(ctx, args)

    engine.add_command(
        Command(
            "deputy",
            N_("Name a deputy who gets your unit's reminders"),
            deputy_command,
            frozenset({"manager", "admin"}),
        )
    )


__all__ = ["DeputyFlow", "register"]
