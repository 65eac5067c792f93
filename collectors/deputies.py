"""Deputies: someone stands in for a unit's manager until a date.

A deputy gets the unit's reminders and may fill in its report: naming one stores a
:class:`~storage.notify_models.Deputy` row *and* a manager grant valid until the end of the
last day, so the report flow and every access check treat the deputy as the unit's manager
without knowing about deputies. The deputy hears about an open report within a minute (a
"remind me" row due at once).

``/deputy [UNIT]`` is a short conversation for administrators and a unit's own (permanent)
managers::

    stateDiagram-v2
        [*] --> unit: several units
        [*] --> person
        unit --> person: a unit button
        person --> until: a person button (the unit's staff and managers, the managers
        person --> until:   of its sibling units, the leaders above it)
        until --> [*]: a day typed (31.7. / 2025-07-31)
        person --> [*]: an end button (someone standing in now: their time ends today)
        unit --> [*]: cancel
        person --> [*]: cancel
        until --> [*]: cancel

The people offered are those the bot knows around the unit; a deputy who has not joined yet
joins first with an invitation (any role), then is named. Those standing in now are shown with
their last day, and each can be ended at once (a manager back early).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from collectors.absence import DayExamples, future_day
from collectors.config import AppConfig
from collectors.engine import Command, Ctx, Engine, UserError
from collectors.i18n import N_
from collectors.messages import Option, Outbound, TextReply
from collectors.reminder_plan import reporting_units
from collectors.reminder_texts import day_text
from collectors.reporting import local_today, open_periods
from collectors.schedule import local_send_instant
from collectors.vocabulary import ROLE_NAMES
from storage import absences, notifications
from storage.audit import record
from storage.notify_models import Deputy
from storage.people import Role, ancestors, units_by_id

KIND = "deputy"
MAX_BUTTONS = 40


def name_deputy(
    session: Session,
    config: AppConfig,
    *,
    unit_id: str,
    person_id: int,
    until: date,
    actor: str,
    now: datetime,
) -> Deputy:
    """Make a person the unit's deputy from today until the end of ``until``.

    Stores the deputy row, a manager grant valid until the end of that day, an audit entry,
    and for each open period whose report the unit has not sent, a reminder due now.

    Raises:
        ValueError: ``until`` is before today, or the unit or person is unknown.
    """
    today = local_today(config, now)
    if until < today:
        raise ValueError(f"the last day {until.isoformat()} is before today")
    if unit_id not in units_by_id(session):
        raise ValueError(f"unknown unit {unit_id!r}")
    if person_id not in notifications.people(session, [person_id]):
        raise ValueError(f"unknown person {person_id}")
    row = absences.save_deputy(
        session,
        unit_id=unit_id,
        person_id=person_id,
        starts_on=today,
        until=until,
        created_by=actor,
        now=now,
    )
    ends = local_send_instant(until + timedelta(days=1), time(0), config.tz)
    absences.temporary_grant(session, person_id, unit_id, ends, now)
    record(
        session,
        now=now,
        actor=actor,
        action="deputy.set",
        target=f"unit:{unit_id}",
        detail={"person": person_id, "until": until.isoformat()},
    )
    for period in open_periods(session, config, now):
        if unit_id not in notifications.submitted_units(session, period.id):
            notifications.snooze(session, person_id, period.id, unit_id, now)
    return row


def end_deputyship(
    session: Session, config: AppConfig, *, unit_id: str, person_id: int, actor: str, now: datetime
) -> bool:
    """End a deputy's time today and withdraw their temporary manager grant."""
    ended = absences.end_deputy(session, unit_id, person_id, local_today(config, now))
    absences.temporary_grant(session, person_id, unit_id, None, now)
    if ended:
        record(
            session,
            now=now,
            actor=actor,
            action="deputy.end",
            target=f"unit:{unit_id}",
            detail={"person": person_id},
        )
    return ended


@dataclass(frozen=True)
class Candidate:
    """Someone who could stand in: id and a label naming where they work."""

    person_id: int
    label: str


def candidates(ctx: Ctx, unit_id: str) -> list[Candidate]:
    """People the bot knows around the unit, nearest first, the person asking left out."""
    _ = ctx._
    units = ctx.access.units
    unit = units[unit_id]
    staff = notifications.holders(ctx.session, Role.STAFF, ctx.now)
    managers = notifications.holders(ctx.session, Role.MANAGER, ctx.now)
    leaders = notifications.holders(ctx.session, Role.LEADER, ctx.now)
    siblings = [u for u in units.values() if u.parent_id == unit.parent_id and u.id != unit_id]
    order: list[tuple[int, str, str]] = []
    order += [(p, unit_id, "staff") for p in staff.get(unit_id, [])]
    order += [(p, s.id, "manager") for s in siblings for p in managers.get(s.id, [])]
    order += [(p, a, "leader") for a in ancestors(units, unit_id) for p in leaders.get(a, [])]
    current = set(managers.get(unit_id, []))
    people = notifications.people(ctx.session, [p for p, _u, _r in order])
    out: list[Candidate] = []
    seen = {ctx.person_id}
    for person_id, where, role in order:
        if person_id in seen or person_id in current or person_id not in people:
            continue
        seen.add(person_id)
        name = people[person_id].display_name or f"#{person_id}"
        place = units[where].name(ctx.language)
        out.append(Candidate(person_id, f"{name} ({_(ROLE_NAMES[role])}, {place})"))
    return out[:MAX_BUTTONS]


@dataclass(frozen=True)
class StandingIn:
    """Someone standing in for a unit's manager now: id, name and last day."""

    person_id: int
    name: str
    until: date


def standing_in(ctx: Ctx, unit_id: str) -> list[StandingIn]:
    """The unit's deputies whose time has not ended, in the order they were named."""
    rows = absences.current_deputies(ctx.session, local_today(ctx.config, ctx.now), unit_id)
    people = notifications.people(ctx.session, [d.person_id for d in rows])
    return [
        StandingIn(d.person_id, people[d.person_id].display_name or f"#{d.person_id}", d.until)
        for d in rows
        if d.person_id in people
    ]


def deputy_units(ctx: Ctx) -> list[str]:
    """Units the person may name a deputy for: all for an administrator, else their own."""
    reporting = reporting_units(ctx.config, ctx.access.units)
    if ctx.access.is_admin:
        return reporting
    own = {
        g.unit_id
        for g in ctx.access.grants
        if g.role == Role.MANAGER and g.valid_until is None and g.unit_id is not None
    }
    return [u for u in reporting if u in own]


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
        options += [
            Option(_("End the deputyship: {name}", name=d.name), ctx.step_data(f"e:{d.person_id}"))
            for d in standing
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
        if stage == "person" and action == "e" and argument.isdecimal():
            for deputy in standing_in(ctx, state["unit"]):
                if deputy.person_id == int(argument):
                    return self._end(ctx, state["unit"], deputy)
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


__all__ = [
    "Candidate",
    "DeputyFlow",
    "StandingIn",
    "candidates",
    "end_deputyship",
    "name_deputy",
    "register",
    "standing_in",
]
