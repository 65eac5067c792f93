"""Who is away and who stands in: absences, deputies and a deputy's time-limited grant.

Someone away (``/away``, :mod:`collectors.absence`) gets no reminders while it lasts; a
deputy named for a unit (``/deputy``, :mod:`collectors.deputyship`) gets its reminders instead
and holds a manager grant that ends with the deputyship (:func:`temporary_grant`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.models import RoleGrant
from storage.notify_models import Absence, Deputy
from storage.people import Role


# absences -------------------------------------------------------------------------------------
def away_on(session: Session, day: date) -> set[int]:
    """Ids of people away on ``day``."""
    statement = select(Absence.person_id).where(
        col(Absence.starts_on) <= day, col(Absence.until) >= day
    )
    return set(session.exec(statement).all())


def current_absence(session: Session, person_id: int, today: date) -> Absence | None:
    """The person's absence covering today or, if none, the next one planned."""
    statement = (
        select(Absence)
        .where(Absence.person_id == person_id, col(Absence.until) >= today)
        .order_by(col(Absence.starts_on), col(Absence.id))
    )
    return session.exec(statement).first()


def set_absence(
    session: Session, person_id: int, starts_on: date, until: date, now: datetime
) -> Absence:
    """Mark a person away from ``starts_on`` to ``until``.

    An absence it overlaps is replaced: it keeps the earlier start and gets ``until`` as its
    last day (``/away 20.9.`` while away until 30.9. shortens it); other absences, planned
    for later, stay as they are.
    """
    statement = (
        select(Absence)
        .where(
            Absence.person_id == person_id,
            col(Absence.starts_on) <= until,
            col(Absence.until) >= starts_on,
        )
        .order_by(col(Absence.starts_on), col(Absence.id))
    )
    overlapping = list(session.exec(statement).all())
    if not overlapping:
        row = Absence(person_id=person_id, starts_on=starts_on, until=until, created_at=now)
    else:
        row, *others = overlapping
        row.starts_on = min(row.starts_on, starts_on)
        row.until = until
        for other in others:
            session.delete(other)
    session.add(row)
    session.flush()
    return row


def end_absence(session: Session, person_id: int, today: date) -> tuple[date, date] | None:
    """End the person's absence today (they are back), or if they are not away, call off the
    next one planned; its first and last day as they were, or ``None`` when there was none."""
    row = current_absence(session, person_id, today)
    if row is None:
        return None
    ended = (row.starts_on, row.until)
    _end_today(session, [row], today)
    return ended


def _end_today(session: Session, rows: Sequence[Absence] | Sequence[Deputy], today: date) -> bool:
    """End ``rows`` (absences or deputyships) today: yesterday was their last day, and those
    that had not started are gone. ``True`` when there was one."""
    for row in rows:
        if row.starts_on >= today:
            session.delete(row)
        else:
            row.until = date.fromordinal(today.toordinal() - 1)
            session.add(row)
    session.flush()
    return bool(rows)


# deputies -------------------------------------------------------------------------------------
def deputies_on(session: Session, day: date) -> dict[str, list[int]]:
    """Unit id -> ids of people standing in for its manager on ``day``."""
    statement = (
        select(Deputy)
        .where(col(Deputy.starts_on) <= day, col(Deputy.until) >= day)
        .order_by(col(Deputy.id))
    )
    out: dict[str, list[int]] = {}
    for row in session.exec(statement).all():
        out.setdefault(row.unit_id, []).append(row.person_id)
    return out


def current_deputies(session: Session, today: date, unit_id: str | None = None) -> Sequence[Deputy]:
    """Deputies whose time has not ended (of one unit, if given), by unit and start."""
    statement = (
        select(Deputy)
        .where(col(Deputy.until) >= today)
        .order_by(col(Deputy.unit_id), col(Deputy.starts_on), col(Deputy.id))
    )
    if unit_id is not None:
        statement = statement.where(Deputy.unit_id == unit_id)
    return session.exec(statement).all()


def save_deputy(
    session: Session,
    *,
    unit_id: str,
    person_id: int,
    starts_on: date,
    until: date,
    created_by: str,
    now: datetime,
) -> tuple[Deputy, date | None]:
    """Name a deputy for a unit from ``starts_on``, or give their deputyship a new last day.

    A deputyship of the same person for the unit that has not ended by ``starts_on`` keeps
    its start and gets ``until``, so that a deputy named again is one deputy, not two
    overlapping rows with different ends.

    Returns:
        The row, and the last day it had before (``None`` for a new deputyship).
    """
    statement = (
        select(Deputy)
        .where(
            Deputy.unit_id == unit_id,
            Deputy.person_id == person_id,
            col(Deputy.until) >= starts_on,
            col(Deputy.starts_on) <= starts_on,
        )
        .order_by(col(Deputy.starts_on), col(Deputy.id))
    )
    row = session.exec(statement).first()
    if row is None:
        row, before = (
            Deputy(
                unit_id=unit_id,
                person_id=person_id,
                starts_on=starts_on,
                until=until,
                created_by=created_by[:64],
                created_at=now,
            ),
            None,
        )
    else:
        row.until, before = until, row.until
    session.add(row)
    session.flush()
    return row, before


def end_deputy(session: Session, unit_id: str, person_id: int, today: date) -> bool:
    """End a person's deputyship of a unit today; ``True`` when there was one."""
    statement = select(Deputy).where(
        Deputy.unit_id == unit_id, Deputy.person_id == person_id, col(Deputy.until) >= today
    )
    return _end_today(session, session.exec(statement).all(), today)


def temporary_grant(
    session: Session, person_id: int, unit_id: str, valid_until: datetime | None, now: datetime
) -> RoleGrant | None:
    """Set (or with ``None``, revoke) a person's time-limited manager grant for a unit.

    Open-ended grants are never touched: a permanent manager stays one.
    """
    statement = select(RoleGrant).where(
        RoleGrant.person_id == person_id,
        RoleGrant.role == Role.MANAGER,
        RoleGrant.unit_id == unit_id,
        col(RoleGrant.valid_until).is_not(None),
        col(RoleGrant.revoked_at).is_(None),
    )
    rows = list(session.exec(statement).all())
    if valid_until is None:
        for row in rows:
            row.revoked_at = now
            session.add(row)
        session.flush()
        return None
    for extra in rows[1:]:
        extra.revoked_at = now
        session.add(extra)
    if rows:
        current = rows[0]
        current.valid_until = valid_until
    else:
        current = RoleGrant(
            person_id=person_id,
            role=Role.MANAGER,
            unit_id=unit_id,
            valid_until=valid_until,
            created_at=now,
        )
    session.add(current)
    session.flush()
    return current
