"""Naming and ending deputies, and who could or does stand in for a unit's manager.

A deputy gets the unit's reminders and may fill in its report: naming one stores a
:class:`~storage.notify_models.Deputy` row *and* a manager grant valid until the end of the
last day, so the report flow and every access check treat the deputy as the unit's manager
without knowing about deputies. The deputy hears about an open report within a minute (a
"remind me" row due at once). The ``/deputy`` conversation is :mod:`collectors.deputies`;
``omabot deputy`` calls :func:`name_deputy` and :func:`end_deputyship` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from collectors.config import AppConfig
from collectors.engine import Ctx
from collectors.reminder_plan import reporting_units
from collectors.reporting import local_today, open_periods
from collectors.schedule import local_send_instant
from collectors.vocabulary import ROLE_NAMES
from storage import absences, notifications
from storage.audit import record
from storage.notify_models import Deputy
from storage.people import Role, ancestors, units_by_id

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
    and for each open period whose report the unit has not sent, a reminder due now. A person
    standing in already keeps their deputyship with ``until`` as its new last day (earlier or
    later), and is not reminded again.

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
    row, before = absences.save_deputy(
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
    detail: dict[str, object] = {"person": person_id, "until": until.isoformat()}
    if before is not None:
        detail["was"] = before.isoformat()
    record(
        session,
        now=now,
        actor=actor,
        action="deputy.set" if before is None else "deputy.change",
        target=f"unit:{unit_id}",
        detail=detail,
    )
    if before is None:
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


__all__ = [
    "MAX_BUTTONS",
    "Candidate",
    "StandingIn",
    "candidates",
    "deputy_units",
    "end_deputyship",
    "name_deputy",
    "standing_in",
]
